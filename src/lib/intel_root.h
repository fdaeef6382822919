/* intel_root.h - the built-in Intel SGX Root CA certificate (PEM). */
#ifndef MAAT_INTEL_ROOT_H
#define MAAT_INTEL_ROOT_H

extern const char maat__intel_sgx_root_ca_pem[];

#endif
