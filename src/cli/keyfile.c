/* keyfile.c - PEM private keys and certificates for `maat sign|policy|cert`: password
 * prompts on /dev/tty without echo or --password-env, 0600 key files, and the bridge from
 * an OpenSSL key to libmaat's JWS signer (which only takes unencrypted PEM). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "maat/bytes.h"
#include "maat/crypto.h"
#include "cli.h"
#include "keyfile.h"

#define KEYFILE_MAX (256u * 1024u)

/* Reads one line from the terminal with echo off. */
static int tty_read(const char *prompt, char *buf, size_t n, struct maat_error *err)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return maat_error_set(err, MAAT_ERR_IO,
                              "no terminal to ask for the password (%s); use --password-env NAME",
                              strerror(errno));
    struct termios old, quiet;
    int have_tty = tcgetattr(fd, &old) == 0;
    if (have_tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    if (write(fd, prompt, strlen(prompt)) < 0) { /* the prompt is best effort */
    }
    size_t len = 0;
    int rc = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0 || c == '\n') break;
        if (len + 1 >= n) {
            rc = maat_error_set(err, MAAT_ERR_TOO_LARGE, "password longer than %zu bytes", n - 1);
            break;
        }
        buf[len++] = c;
    }
    if (len > 0 && buf[len - 1] == '\r') len--;
    buf[len] = '\0';
    if (have_tty) tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) { /* cosmetic */
    }
    close(fd);
    if (rc != 0) OPENSSL_cleanse(buf, n);
    return rc;
}

int cli_password_get(const char *env_name, const char *prompt, bool confirm, char *buf, size_t n,
                     struct maat_error *err)
{
    if (env_name != NULL) {
        const char *v = getenv(env_name);
        if (v == NULL || v[0] == '\0')
            return maat_error_set(err, MAAT_ERR_USAGE,
                                  "--password-env %s: the environment variable is not set or empty",
                                  env_name);
        if (strlen(v) >= n)
            return maat_error_set(err, MAAT_ERR_TOO_LARGE,
                                  "--password-env %s: longer than %zu bytes", env_name, n - 1);
        snprintf(buf, n, "%s", v);
        return 0;
    }
    MAAT_TRY(tty_read(prompt, buf, n, err));
    if (buf[0] == '\0') {
        OPENSSL_cleanse(buf, n);
        return maat_error_set(err, MAAT_ERR_USAGE, "empty password");
    }
    if (!confirm) return 0;
    char *again = malloc(n);
    if (again == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    int rc = tty_read("Repeat the password: ", again, n, err);
    if (rc == 0 && strcmp(again, buf) != 0)
        rc = maat_error_set(err, MAAT_ERR_USAGE, "the two passwords differ");
    OPENSSL_cleanse(again, n);
    free(again);
    if (rc != 0) OPENSSL_cleanse(buf, n);
    return rc;
}

struct pw_ctx {
    const char *env, *path;
    int asked;
    struct maat_error *err;
};

static int pw_cb(char *buf, int size, int rwflag, void *arg)
{
    (void)rwflag;
    struct pw_ctx *c = arg;
    c->asked = 1;
    char prompt[600];
    snprintf(prompt, sizeof prompt, "Password for %s: ", c->path);
    char pw[CLI_PASSWORD_MAX];
    if (cli_password_get(c->env, prompt, false, pw, sizeof pw, c->err) != 0) return -1;
    size_t len = strlen(pw);
    if (size <= 0 || len >= (size_t)size) {
        OPENSSL_cleanse(pw, sizeof pw);
        maat_error_set(c->err, MAAT_ERR_TOO_LARGE, "password too long");
        return -1;
    }
    memcpy(buf, pw, len);
    OPENSSL_cleanse(pw, sizeof pw);
    return (int)len;
}

EVP_PKEY *cli_load_private_key(const char *path, const char *password_env, struct maat_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (cli_read_file(path, KEYFILE_MAX, &buf, &len, err) != 0) return NULL;
    EVP_PKEY *key = NULL;
    if (strstr((const char *)buf, "-----BEGIN") == NULL) {
        maat_error_set(err, MAAT_ERR_ENCODING, "%s: not a PEM file (no \"-----BEGIN\" line)", path);
        goto done;
    }
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    struct pw_ctx ctx = {.env = password_env, .path = path, .err = err};
    ERR_clear_error();
    key = bio ? PEM_read_bio_PrivateKey(bio, NULL, pw_cb, &ctx) : NULL;
    BIO_free(bio);
    if (key == NULL) {
        unsigned long e = ERR_peek_last_error();
        char detail[256] = "";
        if (e != 0) ERR_error_string_n(e, detail, sizeof detail);
        ERR_clear_error();
        if (ctx.asked)
            maat_error_set(err, MAAT_ERR_CRYPTO,
                           "%s: cannot decrypt the private key: wrong password? (%s)", path, detail);
        else
            maat_error_set(err, MAAT_ERR_ENCODING, "%s: no usable PEM private key (%s)", path,
                           detail);
    }
done:
    OPENSSL_cleanse(buf, len);
    free(buf);
    return key;
}

/* Writes all of data to fd, retrying short writes. */
static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int cli_write_file_nofollow(const char *path, const void *data, size_t len, mode_t mode,
                            bool replace, struct maat_error *err)
{
    mode_t um = umask(077);
    umask(um);
    mode_t want = mode & ~um & 0777;
    if (!replace) {
        /* O_EXCL: an existing name, a symlink (even dangling) included, is EEXIST */
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, want);
        if (fd < 0)
            return maat_error_set(err, MAAT_ERR_IO, "%s: %s%s", path, strerror(errno),
                                  errno == EEXIST ? " (refusing to overwrite; --force to replace)"
                                                  : "");
        int bad = fchmod(fd, want) != 0 || write_all(fd, data, len) != 0;
        bad |= close(fd) != 0;
        if (bad) {
            int e = errno;
            unlink(path);
            return maat_error_set(err, MAAT_ERR_IO, "%s: write failed: %s", path, strerror(e));
        }
        return 0;
    }
    /* Replace: a temporary file next to path, created by mkstemp (O_EXCL, 0600), filled,
     * synced and renamed over path. rename() replaces a symlink itself, never its target,
     * and readers see either the old file or the whole new one. */
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    if (tmp == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    snprintf(tmp, pl + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int rc = maat_error_set(err, MAAT_ERR_IO, "%s: cannot create a temporary file: %s", tmp,
                                strerror(errno));
        free(tmp);
        return rc;
    }
    int bad = fchmod(fd, want) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0;
    int e = errno;
    if (close(fd) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad && rename(tmp, path) != 0) {
        bad = 1;
        e = errno;
    }
    int rc = 0;
    if (bad) {
        unlink(tmp);
        rc = maat_error_set(err, MAAT_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    free(tmp);
    return rc;
}

int cli_save_private_key(const char *path, EVP_PKEY *key, const char *password, bool force,
                         struct maat_error *err)
{
    BIO *mem = BIO_new(BIO_s_secmem());
    if (mem == NULL) return maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
    int ok = password != NULL ? PEM_write_bio_PKCS8PrivateKey(mem, key, EVP_aes_256_cbc(), password,
                                                              (int)strlen(password), NULL, NULL)
                              : PEM_write_bio_PKCS8PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL);
    char *pem = NULL;
    long n = BIO_get_mem_data(mem, &pem);
    int rc = 0;
    if (!ok || n <= 0)
        rc = maat_error_set(err, MAAT_ERR_CRYPTO, "%s: cannot encode the private key", path);
    else
        rc = cli_write_file_nofollow(path, pem, (size_t)n, 0600, force, err);
    BIO_free(mem); /* secure memory: wiped on free */
    return rc;
}

STACK_OF(X509) *cli_load_certs(const char *path, struct maat_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (cli_read_file(path, KEYFILE_MAX, &buf, &len, err) != 0) return NULL;
    STACK_OF(X509) *sk = maat__x509_load_all(buf, len, path, err);
    free(buf);
    return sk;
}

EVP_PKEY *cli_load_verify_key(const char *path, char *what, size_t what_len, struct maat_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (cli_read_file(path, KEYFILE_MAX, &buf, &len, err) != 0) return NULL;
    EVP_PKEY *key = NULL;
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    if (strstr((const char *)buf, "-----BEGIN PUBLIC KEY-----") != NULL) {
        key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        snprintf(what, what_len, "public key %s", path);
    } else if (strstr((const char *)buf, "PRIVATE KEY-----") != NULL) {
        /* no password callback: an encrypted key fails instead of prompting */
        key = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
        snprintf(what, what_len, "private key %s (its public half)", path);
    }
    BIO_free(bio);
    if (key == NULL && strstr((const char *)buf, "KEY-----") == NULL) {
        struct maat_error e2 = {0};
        STACK_OF(X509) *sk = maat__x509_load_all(buf, len, path, &e2);
        if (sk != NULL) {
            X509 *leaf = sk_X509_value(sk, 0);
            key = X509_get_pubkey(leaf);
            char subj[256];
            cli_cert_subject(leaf, subj, sizeof subj);
            snprintf(what, what_len, "certificate %s (%s)", path, subj);
            sk_X509_pop_free(sk, X509_free);
        } else {
            maat_error_set(err, e2.code, "%s", e2.msg);
        }
    }
    ERR_clear_error();
    OPENSSL_cleanse(buf, len);
    free(buf);
    if (key == NULL)
        maat_error_set(err, MAAT_ERR_ENCODING,
                       "%s: no public key, certificate or unencrypted private key found", path);
    return key;
}

int cli_key_alg(EVP_PKEY *key, enum maat_jws_alg *alg, struct maat_error *err)
{
    if (EVP_PKEY_is_a(key, "RSA")) {
        *alg = MAAT_JWS_RS256;
        return 0;
    }
    if (EVP_PKEY_is_a(key, "EC")) {
        char curve[64] = "";
        size_t cl = 0;
        EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &cl);
        if (!strcmp(curve, "prime256v1") || !strcmp(curve, "P-256")) {
            *alg = MAAT_JWS_ES256;
            return 0;
        }
        return maat_error_set(err, MAAT_ERR_UNSUPPORTED,
                              "EC key on curve %s: only P-256 (ES256) is supported", curve);
    }
    return maat_error_set(err, MAAT_ERR_UNSUPPORTED, "%s key: only RSA (RS256) and P-256 (ES256)",
                          EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown");
}

struct maat_signing_key *cli_signing_key(EVP_PKEY *key, struct maat_error *err)
{
    enum maat_jws_alg alg;
    if (cli_key_alg(key, &alg, err) != 0) return NULL;
    BIO *mem = BIO_new(BIO_s_secmem());
    if (mem == NULL || !PEM_write_bio_PKCS8PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(mem);
        maat_error_set(err, MAAT_ERR_CRYPTO, "cannot export the private key");
        return NULL;
    }
    char *pem = NULL;
    long n = BIO_get_mem_data(mem, &pem);
    struct maat_signing_key *k = maat__signing_key_from_pem((const uint8_t *)pem,
                                                           (size_t)(n > 0 ? n : 0), alg, err);
    BIO_free(mem);
    return k;
}

char *cli_cert_b64(X509 *cert)
{
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    if (n <= 0) return NULL;
    char *s = maat_base64_encode(der, (size_t)n);
    OPENSSL_free(der);
    return s;
}

void cli_cert_subject(X509 *cert, char *buf, size_t n)
{
    buf[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL) return;
    X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, CLI_DN_FLAGS);
    char *p = NULL;
    long len = BIO_get_mem_data(b, &p);
    if (len > 0) snprintf(buf, n, "%.*s", (int)len, p);
    BIO_free(b);
}

int cli_cert_thumbprint(X509 *cert, char out[41])
{
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    if (n <= 0) return -1;
    unsigned char md[SHA_DIGEST_LENGTH];
    SHA1(der, (size_t)n, md);
    OPENSSL_free(der);
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++) snprintf(out + 2 * i, 3, "%02X", md[i]);
    return 0;
}

int cli_load_signer(const char *key_path, const char *cert_path, const char *password_env,
                    struct maat_signing_key **key, json_t **x5c_header, STACK_OF(X509) **chain,
                    struct maat_error *err)
{
    *key = NULL;
    *x5c_header = NULL;
    *chain = cli_load_certs(cert_path, err);
    if (*chain == NULL) return -1;
    EVP_PKEY *pk = cli_load_private_key(key_path, password_env, err);
    if (pk == NULL) goto fail;
    if (X509_check_private_key(sk_X509_value(*chain, 0), pk) != 1) {
        ERR_clear_error();
        maat_error_set(err, MAAT_ERR_VALUE,
                       "%s does not belong to the key in %s (public keys differ)", cert_path,
                       key_path);
        EVP_PKEY_free(pk);
        goto fail;
    }
    *key = cli_signing_key(pk, err);
    EVP_PKEY_free(pk);
    if (*key == NULL) goto fail;
    json_t *arr = json_array();
    for (int i = 0; arr != NULL && i < sk_X509_num(*chain) && i < MAAT_X5C_MAX; i++) {
        char *b = cli_cert_b64(sk_X509_value(*chain, i));
        if (b == NULL || json_array_append_new(arr, json_string(b)) != 0) {
            free(b);
            json_decref(arr);
            arr = NULL;
            break;
        }
        free(b);
    }
    *x5c_header = arr ? json_pack("{s:o}", "x5c", arr) : NULL;
    if (*x5c_header == NULL) {
        maat_error_set(err, MAAT_ERR_NOMEM, "out of memory");
        goto fail;
    }
    return 0;
fail:
    maat__signing_key_free(*key);
    *key = NULL;
    sk_X509_pop_free(*chain, X509_free);
    *chain = NULL;
    return -1;
}
