# tests/lib/attest_http.sh - the maatd TCB tests' HTTP and request helpers, written once:
#   post URL BODY_FILE OUT_FILE   POST a JSON body; prints the HTTP status, answer in OUT_FILE
#   get URL OUT_FILE              GET; prints the HTTP status, answer in OUT_FILE
#   claims ANSWER OUT             the payload of the token in a {"token": ...} answer, as JSON
#   mkreq OUT QUOTE [POLICY]      an attestation request body for QUOTE (and a draft policy)
# Every call is bounded (curl -m 20).
post() { curl -s -m 20 -o "$3" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "@$2" "$1"; }
get() { curl -s -m 20 -o "$2" -w '%{http_code}' "$1"; }
claims() { python3 -c "
import base64,json,sys
t=json.load(open(sys.argv[1]))['token'].split('.')[1]
json.dump(json.loads(base64.urlsafe_b64decode(t+'='*(-len(t)%4))),open(sys.argv[2],'w'))" "$1" "$2"; }
mkreq() { python3 - "$@" <<'PY'
import base64, json, sys
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
req = {"quote": b64(open(sys.argv[2], "rb").read())}
if len(sys.argv) > 3: req["draftPolicyForAttestation"] = sys.argv[3]
json.dump(req, open(sys.argv[1], "w"))
PY
}
