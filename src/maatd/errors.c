/*
 * errors.c - MAA's error form and JSON responses.
 *
 * MAA answers every failure as
 *   {"error":{"code":C,"message":M,"innererror":{"code":C,"message":M}}}
 * (recorded from the live service); clients key on `code`. maatd's messages say which
 * check failed and why, in plain words, instead of MAA's native traces.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "maatd.h"

void maatd_json_response(struct maatd_response *rs, unsigned status, const json_t *body)
{
    free(rs->body);
    rs->body = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    rs->len = rs->body ? strlen(rs->body) : 0;
    rs->status = rs->body ? status : 500;
    rs->content_type = NULL;
}

void maatd_error(struct maatd_request *rq, struct maatd_response *rs, unsigned status,
                 const char *code, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *inner = json_pack("{s:s, s:s}", "code", code, "message", msg);
    json_t *err = json_pack("{s:s, s:s, s:o}", "code", code, "message", msg, "innererror", inner);
    json_t *root = json_pack("{s:o}", "error", err);
    if (root == NULL) { /* message not UTF-8 (it may quote input): say so without it */
        json_decref(root);
        root = json_pack("{s:{s:s, s:s, s:{s:s, s:s}}}", "error", "code", code, "message",
                         "(message not representable)", "innererror", "code", code, "message",
                         "(message not representable)");
    }
    maatd_json_response(rs, status, root);
    rs->status = status;
    json_decref(root);
    if (rq != NULL) rq->error_code = code;
}
