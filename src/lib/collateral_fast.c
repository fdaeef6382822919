/*
 * collateral_fast.c - the single-pass reader of collateral_fast.h: Intel's usual SGX and
 * TDX TCB info v3 and enclave identity v2 (bare bodies or {"...", "signature"} documents)
 * read in one pass over the text, straight into the parsed structs (issue 16: jansson
 * built a DOM of ~2,000 allocations for the real TCB info, ~1.5 M instructions of a cold
 * verification with the frees, for a struct of a few hundred bytes per level).
 *
 * Taken, and nothing else (anything else gives up and the jansson path parses the text):
 *  - whitespace between tokens; strings of ASCII 0x20..0x7f without escapes; integers as
 *    plain digits (no sign, fraction, exponent or leading zero, at most 10 digits);
 *  - in every object only the members the jansson path reads for that shape, each once (a
 *    repeated member gives up: jansson refuses it; an unknown one gives up too, although
 *    the jansson path would ignore it: its value is not checked here);
 *  - TCB info: version 3, id "SGX" or "TDX", all of id, version, issueDate, nextUpdate,
 *    fmspc, pceId, tcbType (0), tcbEvaluationDataNumber and 1..4096 tcbLevels of {tcb:
 *    {sgxtcbcomponents, pcesvn, tdxtcbcomponents (TDX: required)}, tcbDate, tcbStatus,
 *    advisoryIDs?}, components exactly 16 {svn, category?, type?}; TDX also tdxModule
 *    {mrsigner, attributes, attributesMask} and optionally 1..256 tdxModuleIdentities {id,
 *    mrsigner, attributes, attributesMask, tcbLevels (isvsvn 0..255)}; the caller sorts
 *    TDX levels and refuses duplicates with the jansson path's own function;
 *  - enclave identity: version 2, id QE, QVE or TD_QE, all twelve members, 1..4096
 *    tcbLevels of {tcb: {isvsvn}, tcbDate, tcbStatus, advisoryIDs?}.
 * Every value is checked as the jansson path checks it (integer ranges, exact hex lengths,
 * calendar dates, status names, array sizes, non-empty advisory IDs of at most 1,024
 * characters); a check that fails gives up, so every refusal, with its field, offset and
 * expectation, still comes from the jansson path. What is taken is valid JSON, one object
 * without duplicate names, that the jansson path accepts into the same struct
 * (test_collateral_fast_parse.c: a differential over the real Intel documents and
 * thousands of single-byte mutations of them).
 */
#include "collateral_fast.h"

#include <stdlib.h>
#include <string.h>

#include "collateral_json.h"

_Thread_local bool maat__collateral_fast_off;
_Thread_local unsigned long maat__collateral_fast_taken;

#define MAX_LEVELS 4096       /* as tcb_info.c and collateral_json.c */
#define MAX_ADVISORY_IDS 1024 /* as collateral_json.c */
#define MAX_STRING_FIELD 1024
#define MAX_MODULE_IDENTITIES 256 /* as tcb_info.c */

struct fr {
    const char *t;
    size_t n, i;
};

static void ws(struct fr *r)
{
    while (r->i < r->n) {
        char ch = r->t[r->i];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') break;
        r->i++;
    }
}

static bool eat(struct fr *r, char ch)
{
    ws(r);
    if (r->i >= r->n || r->t[r->i] != ch) return false;
    r->i++;
    return true;
}

/* A string without escapes, of bytes 0x20..0x7f: its bytes are its value. */
static bool str(struct fr *r, const char **s, size_t *len)
{
    if (!eat(r, '"')) return false;
    size_t run = maat__json_plain_run(r->t + r->i, r->n - r->i);
    if (run >= r->n - r->i || r->t[r->i + run] != '"') return false;
    *s = r->t + r->i;
    *len = run;
    r->i += run + 1;
    return true;
}

static bool str_dup(struct fr *r, char **out)
{
    const char *s;
    size_t len;
    if (!str(r, &s, &len)) return false;
    char *d = malloc(len + 1);
    if (d == NULL) return false;
    memcpy(d, s, len);
    d[len] = '\0';
    *out = d;
    return true;
}

/* Plain digits, 0..max. */
static bool uint_max(struct fr *r, uint64_t max, uint64_t *out)
{
    ws(r);
    size_t i = r->i;
    uint64_t v = 0;
    while (i < r->n && r->t[i] >= '0' && r->t[i] <= '9') {
        if (i - r->i == 10) return false;
        v = v * 10 + (uint64_t)(r->t[i] - '0');
        i++;
    }
    size_t digits = i - r->i;
    if (digits == 0 || (digits > 1 && r->t[r->i] == '0') || v > max) return false;
    r->i = i;
    *out = v;
    return true;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Exactly 2n hex digits (either case), decoded in text order. */
static bool hex_field(struct fr *r, uint8_t *dst, size_t n)
{
    const char *s;
    size_t len;
    if (!str(r, &s, &len) || len != 2 * n) return false;
    for (size_t k = 0; k < n; k++) {
        int hi = hex_digit(s[2 * k]), lo = hex_digit(s[2 * k + 1]);
        if (hi < 0 || lo < 0) return false;
        dst[k] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static bool date(struct fr *r, time_t *out)
{
    const char *s;
    size_t len;
    return str(r, &s, &len) && cj_parse_date(s, len, out) == 0;
}

static bool status(struct fr *r, enum maat_tcb_status *out)
{
    const char *s;
    size_t len;
    return str(r, &s, &len) && maat_tcb_status_from_name(s, len, out) == 0 &&
           (CJ_STATUS_ALL & CJ_STATUS_BIT(*out)) != 0;
}

/* After '{' (first) or a member's value: 1 and the next member's name (the cursor after
 * its ':'), 0 at the object's end ('}' read), -1 to give up. */
static int next_member(struct fr *r, bool first, const char **k, size_t *kl)
{
    if (eat(r, '}')) return 0;
    if (!first && !eat(r, ',')) return -1;
    if (!str(r, k, kl) || !eat(r, ':')) return -1;
    return 1;
}

/* After '[' (first) or an element: 1 when an element follows, 0 at ']', -1 to give up. */
static int next_elem(struct fr *r, bool first)
{
    if (eat(r, ']')) return 0;
    if (!first && !eat(r, ',')) return -1;
    return 1;
}

/* The index of name k in names, the first time it occurs in this object (*seen); -1 for
 * an unknown or repeated name. */
static int member_index(const char *const *names, int count, unsigned *seen, const char *k, size_t kl)
{
    for (int i = 0; i < count; i++)
        if (strncmp(names[i], k, kl) == 0 && names[i][kl] == '\0') {
            if (*seen & (1u << i)) return -1;
            *seen |= 1u << i;
            return i;
        }
    return -1;
}

#define ALL(n) ((1u << (n)) - 1u)

/* advisoryIDs: owned by the level as they are read (its cleanup frees them on giving up). */
static bool advisory_ids(struct fr *r, char ***ids, size_t *count)
{
    size_t cap = 0;
    if (!eat(r, '[')) return false;
    for (bool first = true;; first = false) {
        int e = next_elem(r, first);
        if (e <= 0) return e == 0;
        if (*count == MAX_ADVISORY_IDS) return false;
        if (*count == cap) {
            size_t nc = cap ? 2 * cap : 8;
            char **nv = realloc(*ids, nc * sizeof *nv);
            if (nv == NULL) return false;
            *ids = nv;
            cap = nc;
        }
        ws(r);
        size_t at = r->i;
        if (!str_dup(r, &(*ids)[*count])) return false;
        (*count)++;
        size_t len = r->i - at - 2;
        if (len == 0 || len > MAX_STRING_FIELD) return false;
    }
}

static const char *const comp_names[] = {"svn", "category", "type"};

/* Exactly 16 {svn, category?, type?}. */
static bool components(struct fr *r, struct maat_tcb_component comps[MAAT_TCB_COMPONENTS])
{
    size_t k = 0;
    if (!eat(r, '[')) return false;
    for (bool first = true;; first = false) {
        int e = next_elem(r, first);
        if (e == 0) break;
        if (e < 0 || k == MAAT_TCB_COMPONENTS || !eat(r, '{')) return false;
        struct maat_tcb_component *c = &comps[k++];
        unsigned seen = 0;
        for (bool f = true;; f = false) {
            const char *name;
            size_t nl;
            uint64_t u;
            int m = next_member(r, f, &name, &nl);
            if (m == 0) break;
            if (m < 0) return false;
            switch (member_index(comp_names, 3, &seen, name, nl)) {
            case 0:
                if (!uint_max(r, 255, &u)) return false;
                c->svn = (uint8_t)u;
                break;
            case 1:
                if (!str_dup(r, &c->category)) return false;
                break;
            case 2:
                if (!str_dup(r, &c->type)) return false;
                break;
            default: return false;
            }
        }
        if (!(seen & 1u)) return false;
    }
    return k == MAAT_TCB_COMPONENTS;
}

static const char *const level_tcb_names[] = {"sgxtcbcomponents", "pcesvn", "tdxtcbcomponents"};

static bool level_tcb(struct fr *r, struct maat_tcb_level *lv)
{
    unsigned seen = 0;
    if (!eat(r, '{')) return false;
    for (bool first = true;; first = false) {
        const char *name;
        size_t nl;
        uint64_t u;
        int m = next_member(r, first, &name, &nl);
        if (m == 0) break;
        if (m < 0) return false;
        switch (member_index(level_tcb_names, 3, &seen, name, nl)) {
        case 0:
            if (!components(r, lv->sgx_components)) return false;
            break;
        case 1:
            if (!uint_max(r, 65535, &u)) return false;
            lv->pcesvn = (uint16_t)u;
            break;
        case 2:
            if (!components(r, lv->tdx_components)) return false;
            lv->has_tdx_components = true;
            break;
        default: return false;
        }
    }
    return (seen & ALL(2)) == ALL(2);
}

/* A TCB level's and an enclave identity level's members: "tcb" differs, the rest are
 * read alike (level_tail_member). */
static const char *const level_names[] = {"tcb", "tcbDate", "tcbStatus", "advisoryIDs"};

struct level_tail {
    time_t *date;
    bool *has_date;
    enum maat_tcb_status *status;
    char ***ids;
    size_t *id_count;
};

/* Member idx (1..3) of level_names into t. */
static bool level_tail_member(struct fr *r, int idx, const struct level_tail *t)
{
    switch (idx) {
    case 1:
        if (!date(r, t->date)) return false;
        *t->has_date = true;
        return true;
    case 2: return status(r, t->status);
    case 3: return advisory_ids(r, t->ids, t->id_count);
    default: return false;
    }
}

static bool tcb_level(struct fr *r, struct maat_tcb_level *lv)
{
    unsigned seen = 0;
    if (!eat(r, '{')) return false;
    for (bool first = true;; first = false) {
        const char *name;
        size_t nl;
        int m = next_member(r, first, &name, &nl);
        if (m == 0) break;
        if (m < 0) return false;
        int idx = member_index(level_names, 4, &seen, name, nl);
        struct level_tail t = {&lv->tcb_date, &lv->has_tcb_date, &lv->status, &lv->advisory_ids,
                               &lv->advisory_id_count};
        if (idx == 0 ? !level_tcb(r, lv) : !level_tail_member(r, idx, &t)) return false;
    }
    return (seen & ALL(3)) == ALL(3);
}

/* Grows *v (of *count used, *cap allocated elements of size sz) by one zeroed element
 * (at most max); NULL to give up. *count covers it at once, so the struct's cleanup frees
 * whatever it comes to hold. */
static void *grow(void **v, size_t *count, size_t *cap, size_t sz, size_t max)
{
    if (*count == max) return NULL;
    if (*count == *cap) {
        size_t nc = *cap ? 2 * *cap : 32;
        if (nc > max) nc = max;
        void *nv = realloc(*v, nc * sz);
        if (nv == NULL) return NULL;
        memset((char *)nv + *cap * sz, 0, (nc - *cap) * sz);
        *v = nv;
        *cap = nc;
    }
    return (char *)*v + (*count)++ * sz;
}

static bool tcb_levels(struct fr *r, struct maat_tcb_info *ti)
{
    size_t cap = 0;
    if (!eat(r, '[')) return false;
    for (bool first = true;; first = false) {
        int e = next_elem(r, first);
        if (e == 0) break;
        if (e < 0) return false;
        void *v = ti->levels;
        struct maat_tcb_level *lv = grow(&v, &ti->level_count, &cap, sizeof *lv, MAX_LEVELS);
        ti->levels = v;
        if (lv == NULL || !tcb_level(r, lv)) return false;
    }
    return ti->level_count >= 1;
}

static const char *const isvsvn_name[] = {"isvsvn"};

static bool enclave_level(struct fr *r, uint16_t max_isvsvn, struct maat_enclave_tcb_level *lv)
{
    unsigned seen = 0;
    if (!eat(r, '{')) return false;
    for (bool first = true;; first = false) {
        const char *name;
        size_t nl;
        uint64_t u;
        int m = next_member(r, first, &name, &nl);
        if (m == 0) break;
        if (m < 0) return false;
        int idx = member_index(level_names, 4, &seen, name, nl);
        if (idx != 0) {
            struct level_tail t = {&lv->tcb_date, &lv->has_tcb_date, &lv->status, &lv->advisory_ids,
                                   &lv->advisory_id_count};
            if (!level_tail_member(r, idx, &t)) return false;
            continue;
        }
        unsigned tseen = 0;
        if (!eat(r, '{')) return false;
        for (bool f = true;; f = false) {
            int mm = next_member(r, f, &name, &nl);
            if (mm == 0) break;
            if (mm < 0 || member_index(isvsvn_name, 1, &tseen, name, nl) != 0 ||
                !uint_max(r, max_isvsvn, &u))
                return false;
            lv->isvsvn = (uint16_t)u;
        }
        if (tseen != 1u) return false;
    }
    return (seen & ALL(3)) == ALL(3);
}

/* 1..4096 enclave levels, document order. */
static bool enclave_levels(struct fr *r, uint16_t max_isvsvn,
                           struct maat_enclave_tcb_level **levels, size_t *count)
{
    size_t cap = 0;
    if (!eat(r, '[')) return false;
    for (bool first = true;; first = false) {
        int e = next_elem(r, first);
        if (e == 0) break;
        if (e < 0) return false;
        void *v = *levels;
        struct maat_enclave_tcb_level *lv = grow(&v, count, &cap, sizeof *lv, MAX_LEVELS);
        *levels = v;
        if (lv == NULL || !enclave_level(r, max_isvsvn, lv)) return false;
    }
    return *count >= 1;
}

static const char *const module_names[] = {"mrsigner", "attributes", "attributesMask", "id",
                                           "tcbLevels"};

/* tdxModule {mrsigner, attributes, attributesMask} (identity: NULL), or one element of
 * tdxModuleIdentities, which adds id (1..64 characters) and tcbLevels (isvsvn 0..255). */
static bool tdx_module(struct fr *r, uint8_t mrsigner[48], uint8_t attributes[8], uint8_t mask[8],
                       struct maat_tdx_module_identity *identity)
{
    unsigned seen = 0;
    if (!eat(r, '{')) return false;
    for (bool first = true;; first = false) {
        const char *name;
        size_t nl;
        int m = next_member(r, first, &name, &nl);
        if (m == 0) break;
        if (m < 0) return false;
        switch (member_index(module_names, identity ? 5 : 3, &seen, name, nl)) {
        case 0:
            if (!hex_field(r, mrsigner, 48)) return false;
            break;
        case 1:
            if (!hex_field(r, attributes, 8)) return false;
            break;
        case 2:
            if (!hex_field(r, mask, 8)) return false;
            break;
        case 3: {
            ws(r);
            size_t at = r->i;
            if (!str_dup(r, &identity->id)) return false;
            size_t len = r->i - at - 2;
            if (len == 0 || len > 64) return false;
            break;
        }
        case 4:
            if (!enclave_levels(r, 255, &identity->levels, &identity->level_count)) return false;
            break;
        default: return false;
        }
    }
    return seen == ALL(identity ? 5 : 3);
}

static bool module_identities(struct fr *r, struct maat_tcb_info *ti)
{
    size_t cap = 0;
    if (!eat(r, '[')) return false;
    for (bool first = true;; first = false) {
        int e = next_elem(r, first);
        if (e == 0) break;
        if (e < 0) return false;
        void *v = ti->tdx_module_identities;
        struct maat_tdx_module_identity *mi = grow(&v, &ti->tdx_module_identity_count, &cap,
                                                   sizeof *mi, MAX_MODULE_IDENTITIES);
        ti->tdx_module_identities = v;
        if (mi == NULL || !tdx_module(r, mi->mrsigner, mi->attributes, mi->attributes_mask, mi))
            return false;
    }
    return ti->tdx_module_identity_count >= 1;
}

/* Members 1-3 of both documents: "version" (must be `want`), "issueDate", "nextUpdate". */
static bool doc_head_member(struct fr *r, int idx, uint32_t want, uint32_t *version,
                            time_t *issue_date, time_t *next_update)
{
    uint64_t u;
    switch (idx) {
    case 1:
        if (!uint_max(r, UINT32_MAX, &u) || u != want) return false;
        *version = want;
        return true;
    case 2: return date(r, issue_date);
    case 3: return date(r, next_update);
    default: return false;
    }
}

/* "tcbEvaluationDataNumber" of both documents. */
static bool eval_number(struct fr *r, bool *has, uint32_t *number)
{
    uint64_t u;
    if (!uint_max(r, UINT32_MAX, &u)) return false;
    *has = true;
    *number = (uint32_t)u;
    return true;
}

static const char *const tcb_names[] = {"id",
                                        "version",
                                        "issueDate",
                                        "nextUpdate",
                                        "fmspc",
                                        "pceId",
                                        "tcbType",
                                        "tcbEvaluationDataNumber",
                                        "tcbLevels",
                                        "tdxModule",
                                        "tdxModuleIdentities"};

static bool tcb_object(struct fr *r, void *out)
{
    struct maat_tcb_info *ti = out;
    unsigned seen = 0;
    if (!eat(r, '{')) return false;
    for (bool first = true;; first = false) {
        const char *name, *s;
        size_t nl, len;
        uint64_t u;
        int m = next_member(r, first, &name, &nl);
        if (m == 0) break;
        if (m < 0) return false;
        int idx = member_index(tcb_names, 11, &seen, name, nl);
        switch (idx) {
        case 0:
            if (!str(r, &s, &len) || len != 3) return false;
            if (memcmp(s, "SGX", 3) == 0)
                ti->id = MAAT_TCB_ID_SGX;
            else if (memcmp(s, "TDX", 3) == 0)
                ti->id = MAAT_TCB_ID_TDX;
            else
                return false;
            break;
        case 1:
        case 2:
        case 3:
            if (!doc_head_member(r, idx, 3, &ti->version, &ti->issue_date, &ti->next_update))
                return false;
            break;
        case 4:
            if (!hex_field(r, ti->fmspc, sizeof ti->fmspc)) return false;
            break;
        case 5:
            if (!hex_field(r, ti->pce_id, sizeof ti->pce_id)) return false;
            ti->has_pce_id = true;
            break;
        case 6:
            if (!uint_max(r, UINT32_MAX, &u) || u != 0) return false;
            break;
        case 7:
            if (!eval_number(r, &ti->has_tcb_evaluation_data_number, &ti->tcb_evaluation_data_number))
                return false;
            break;
        case 8:
            if (!tcb_levels(r, ti)) return false;
            break;
        case 9:
            if (!tdx_module(r, ti->tdx_module.mrsigner, ti->tdx_module.attributes,
                            ti->tdx_module.attributes_mask, NULL))
                return false;
            ti->has_tdx_module = true;
            break;
        case 10:
            if (!module_identities(r, ti)) return false;
            break;
        default: return false;
        }
    }
    if ((seen & ALL(9)) != ALL(9)) return false;
    if (ti->id == MAAT_TCB_ID_SGX) /* the jansson path does not read the TDX members */
        return (seen & ~ALL(9)) == 0;
    if (!ti->has_tdx_module) return false;
    for (size_t i = 0; i < ti->level_count; i++)
        if (!ti->levels[i].has_tdx_components) return false;
    return true; /* the caller sorts the levels as QVL does (tcb_info.c) */
}

static const char *const ei_names[] = {
    "id",         "version",        "issueDate",  "nextUpdate",     "tcbEvaluationDataNumber",
    "miscselect", "miscselectMask", "attributes", "attributesMask", "mrsigner",
    "isvprodid",  "tcbLevels"};

static bool ei_object(struct fr *r, void *out)
{
    struct maat_enclave_identity *ei = out;
    unsigned seen = 0;
    if (!eat(r, '{')) return false;
    for (bool first = true;; first = false) {
        const char *name, *s;
        size_t nl, len;
        uint64_t u;
        int m = next_member(r, first, &name, &nl);
        if (m == 0) break;
        if (m < 0) return false;
        int idx = member_index(ei_names, 12, &seen, name, nl);
        switch (idx) {
        case 0:
            if (!str(r, &s, &len)) return false;
            if (len == 2 && memcmp(s, "QE", 2) == 0)
                ei->id = MAAT_ENCLAVE_ID_QE;
            else if (len == 3 && memcmp(s, "QVE", 3) == 0)
                ei->id = MAAT_ENCLAVE_ID_QVE;
            else if (len == 5 && memcmp(s, "TD_QE", 5) == 0)
                ei->id = MAAT_ENCLAVE_ID_TD_QE;
            else
                return false;
            break;
        case 1:
        case 2:
        case 3:
            if (!doc_head_member(r, idx, 2, &ei->version, &ei->issue_date, &ei->next_update))
                return false;
            break;
        case 4:
            if (!eval_number(r, &ei->has_tcb_evaluation_data_number, &ei->tcb_evaluation_data_number))
                return false;
            break;
        case 5:
            if (!hex_field(r, ei->miscselect, sizeof ei->miscselect)) return false;
            break;
        case 6:
            if (!hex_field(r, ei->miscselect_mask, sizeof ei->miscselect_mask)) return false;
            break;
        case 7:
            if (!hex_field(r, ei->attributes, sizeof ei->attributes)) return false;
            break;
        case 8:
            if (!hex_field(r, ei->attributes_mask, sizeof ei->attributes_mask)) return false;
            break;
        case 9:
            if (!hex_field(r, ei->mrsigner, sizeof ei->mrsigner)) return false;
            break;
        case 10:
            if (!uint_max(r, 65535, &u)) return false;
            ei->isvprodid = (uint16_t)u;
            break;
        case 11:
            if (!enclave_levels(r, 65535, &ei->levels, &ei->level_count)) return false;
            break;
        default: return false;
        }
    }
    return seen == ALL(12);
}

/* {"<body_key>": <body>, "signature": "<128 hex digits>"}, in either order. */
static bool wrapped_doc(struct fr *r, const char *body_key, bool (*body)(struct fr *, void *),
                        void *out, uint8_t sig[MAAT_COLLATERAL_SIG_SIZE], struct maat_json_span *span)
{
    const char *const names[] = {body_key, "signature"};
    unsigned seen = 0;
    if (!eat(r, '{')) return false;
    for (bool first = true;; first = false) {
        const char *name;
        size_t nl;
        int m = next_member(r, first, &name, &nl);
        if (m == 0) break;
        if (m < 0) return false;
        switch (member_index(names, 2, &seen, name, nl)) {
        case 0:
            ws(r);
            span->start = r->i;
            if (!body(r, out)) return false;
            span->end = r->i;
            break;
        case 1:
            if (!hex_field(r, sig, MAAT_COLLATERAL_SIG_SIZE)) return false;
            break;
        default: return false;
        }
    }
    return seen == ALL(2);
}

static bool whole(const char *text, size_t len, bool wrapped, const char *body_key,
                  bool (*body)(struct fr *, void *), void *out, uint8_t *sig,
                  struct maat_json_span *span)
{
    if (text == NULL || len == 0 || len > MAAT_COLLATERAL_MAX_INPUT) return false;
    struct fr r = {.t = text, .n = len, .i = 0};
    if (!(wrapped ? wrapped_doc(&r, body_key, body, out, sig, span) : body(&r, out))) return false;
    ws(&r);
    if (r.i != r.n) return false;
    maat__collateral_fast_taken++;
    return true;
}

bool maat__tcb_info_fast(const char *text, size_t len, bool wrapped, struct maat_tcb_info *ti,
                         struct maat_json_span *span)
{
    return whole(text, len, wrapped, "tcbInfo", tcb_object, ti, ti->signature, span);
}

bool maat__enclave_identity_fast(const char *text, size_t len, bool wrapped,
                                 struct maat_enclave_identity *ei, struct maat_json_span *span)
{
    return whole(text, len, wrapped, "enclaveIdentity", ei_object, ei, ei->signature, span);
}
