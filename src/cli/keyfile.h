/* keyfile.h - PEM private keys and certificates for the signing commands (`maat sign`,
 * `maat policy`, `maat cert`): encrypted PEM with a password from an environment variable
 * or the terminal (no echo), keys written with mode 0600, and the bridge to libmaat's
 * JWS signer. Passwords are wiped after use and never printed. */
#ifndef MAAT_CLI_KEYFILE_H
#define MAAT_CLI_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "maat/error.h"
#include "maat/jose.h"

#define CLI_PASSWORD_MAX 1024

/* X509_NAME_print_ex flags: "CN=name, O=org" in certificate order, UTF-8 kept. */
#define CLI_DN_FLAGS \
    ((ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN)

/* Gets a password: from the environment variable env_name when not NULL (an unset or
 * empty variable is an error), else by prompting on /dev/tty with echo off (twice when
 * confirm). Returns 0 with the NUL-terminated password in buf (n bytes). */
int cli_password_get(const char *env_name, const char *prompt, bool confirm, char *buf, size_t n,
                     struct maat_error *err);

/* Loads a PEM private key (PKCS#8, encrypted PKCS#8, or traditional RSA/EC, encrypted or
 * not). An encrypted key's password comes from password_env (NULL = ask on the terminal). */
EVP_PKEY *cli_load_private_key(const char *path, const char *password_env, struct maat_error *err);

/* Writes data to path with mode (less the umask), never through a symlink. Without
 * replace, path must not exist (O_EXCL; a symlink, even dangling, counts as existing).
 * With replace, a 0600 temporary file beside path is written, synced and renamed over it:
 * an existing symlink is replaced itself and its target left untouched. */
int cli_write_file_nofollow(const char *path, const void *data, size_t len, mode_t mode,
                            bool replace, struct maat_error *err);

/* Writes key as PKCS#8 PEM to a new file with mode 0600, encrypted with AES-256-CBC
 * (PBKDF2) when password is not NULL. Refuses to overwrite an existing file unless force;
 * with force it replaces the file (or a symlink) as cli_write_file_nofollow does. */
int cli_save_private_key(const char *path, EVP_PKEY *key, const char *password, bool force,
                         struct maat_error *err);

/* Loads the certificates of a file: PEM (one or more) or DER. First = leaf. */
STACK_OF(X509) *cli_load_certs(const char *path, struct maat_error *err);

/* A verification key from a file: a PEM public key, a certificate (PEM or DER; its key),
 * or an unencrypted private key (its public half). *what describes what was found. */
EVP_PKEY *cli_load_verify_key(const char *path, char *what, size_t what_len, struct maat_error *err);

/* The JWS algorithm for a key: RSA -> RS256, P-256 -> ES256; -1 otherwise. */
int cli_key_alg(EVP_PKEY *key, enum maat_jws_alg *alg, struct maat_error *err);

/* A libmaat signing key (for maat__jws_sign) from a loaded private key. */
struct maat_signing_key *cli_signing_key(EVP_PKEY *key, struct maat_error *err);

/* Loads KEY (private) and CERT (signer certificate, plus an optional chain in the same
 * file), checks that they belong together, and returns the signing key, the JWS header
 * {"x5c": [...]} and the signer certificate (borrowed from *chain). */
int cli_load_signer(const char *key_path, const char *cert_path, const char *password_env,
                    struct maat_signing_key **key, json_t **x5c_header, STACK_OF(X509) **chain,
                    struct maat_error *err);

/* Standard base64 of a certificate's DER (for x5c). NULL on failure. */
char *cli_cert_b64(X509 *cert);
/* "CN=..., O=..." one-line subject (RFC 2253 order). */
void cli_cert_subject(X509 *cert, char *buf, size_t n);
/* Uppercase hex SHA-1 of the DER (MAA's x-ms-certificate-thumbprint); out holds 41 bytes. */
int cli_cert_thumbprint(X509 *cert, char out[41]);

#endif
