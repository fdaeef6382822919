/*
 * tcb_names.c - leaf: the names of TCB statuses, TCB ids and enclave ids (declared in
 * maat/collateral.h). Calls nothing else in maat, so collateral.c, the collateral JSON
 * helpers (collateral_json.c) and the parsers can all use it without a call cycle.
 */
#include "maat/collateral.h"

#include <string.h>

static const char *const status_names[MAAT_TCB_STATUS__COUNT] = {
    [MAAT_TCB_UP_TO_DATE] = "UpToDate",
    [MAAT_TCB_SW_HARDENING_NEEDED] = "SWHardeningNeeded",
    [MAAT_TCB_CONFIGURATION_NEEDED] = "ConfigurationNeeded",
    [MAAT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED] = "ConfigurationAndSWHardeningNeeded",
    [MAAT_TCB_OUT_OF_DATE] = "OutOfDate",
    [MAAT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED] = "OutOfDateConfigurationNeeded",
    [MAAT_TCB_REVOKED] = "Revoked",
    [MAAT_TCB_TD_RELAUNCH_ADVISED] = "TDRelaunchAdvised",
    [MAAT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED] = "TDRelaunchAdvisedConfigurationNeeded",
};

const char *maat_tcb_status_name(enum maat_tcb_status s)
{
    if ((unsigned)s >= MAAT_TCB_STATUS__COUNT) return "unknown";
    return status_names[s];
}

int maat_tcb_status_from_name(const char *s, size_t len, enum maat_tcb_status *out)
{
    if (s == NULL) return -1;
    for (int i = 0; i < MAAT_TCB_STATUS__COUNT; i++) {
        if (strlen(status_names[i]) == len && memcmp(status_names[i], s, len) == 0) {
            if (out) *out = (enum maat_tcb_status)i;
            return 0;
        }
    }
    return -1;
}

const char *maat_tcb_id_name(enum maat_tcb_id id)
{
    switch (id) {
    case MAAT_TCB_ID_SGX: return "SGX";
    case MAAT_TCB_ID_TDX: return "TDX";
    }
    return "unknown";
}

const char *maat_enclave_id_name(enum maat_enclave_id id)
{
    switch (id) {
    case MAAT_ENCLAVE_ID_QE: return "QE";
    case MAAT_ENCLAVE_ID_QVE: return "QVE";
    case MAAT_ENCLAVE_ID_TD_QE: return "TD_QE";
    }
    return "unknown";
}
