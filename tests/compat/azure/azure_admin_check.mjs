// azure_admin_check.mjs - drives the admin side of the official Azure Attestation SDK
// (@azure/attestation 1.0.0, pinned in package.json / package-lock.json next to this file)
// against a running maatd over TLS: AttestationAdministrationClient getPolicy, setPolicy
// (unsigned and signed with a PEM key + certificate), resetPolicy,
// getPolicyManagementCertificates, addPolicyManagementCertificate,
// removePolicyManagementCertificate, and AttestationClient attestSgxEnclave with the stored
// policy and with draft policies. The SDK's validation of every response token is ON
// (signature against /certs, exp, nbf, issuer) and must pass.
//
// usage: node azure_admin_check.mjs CONFIG.json   (written by tests/compat/test_azure_admin.sh)
// CONFIG: {endpoint, mode: "aad"|"isolated", admin_token (aad), signer1: {key, cert},
//          signer2: {key, cert}, files: {quote, runtime_bin}, expect: {mrenclave, svn}}
// Prints one line per case (PASS/FAIL) and exits 1 if any case failed.
import { createRequire } from "node:module";
import crypto from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const { AttestationClient, AttestationAdministrationClient } = require("@azure/attestation");

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const EP = cfg.endpoint;
const MODE = cfg.mode;
const QUOTE = fs.readFileSync(cfg.files.quote);
const RUNTIME = fs.readFileSync(cfg.files.runtime_bin);
const S1 = { key: fs.readFileSync(cfg.signer1.key, "utf8"), cert: fs.readFileSync(cfg.signer1.cert, "utf8") };
const S2 = { key: fs.readFileSync(cfg.signer2.key, "utf8"), cert: fs.readFileSync(cfg.signer2.cert, "utf8") };
const b64url = (b) => Buffer.from(b).toString("base64url");
const sha256 = (b) => crypto.createHash("sha256").update(b).digest();
// x-ms-policy-hash: b64url(SHA-256(b64url(text))) (maa.md section 4)
const policyHash = (text) => b64url(sha256(b64url(Buffer.from(text, "utf8"))));
const DEFAULT_POLICY_HASH = "ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc";
const der = (pem) => new crypto.X509Certificate(pem).raw;
const thumbprint = (pem) => crypto.createHash("sha1").update(der(pem)).digest("hex").toUpperCase();
const SCOPE = "https://attest.azure.net/.default";

const rows = [];
let failures = 0;
async function run(name, fn) {
  try {
    const note = await fn();
    if (note && note.skipped) rows.push(["SKIPPED", name, note.skipped]);
    else rows.push(["PASS", name, note || ""]);
  } catch (e) {
    failures++;
    const detail = e && e.statusCode ? ` [${e.name} ${e.statusCode} ${e.code}]` : "";
    rows.push(["FAIL", name, ((e && e.message ? e.message : String(e)) + detail).replace(/\s*\n\s*/g, " ").slice(0, 500)]);
  }
}
async function expectReject(promise, re) {
  try {
    await promise;
  } catch (e) {
    assert.match(String(e.message), re);
    return e;
  }
  throw new Error("expected a rejection matching " + re + ", got success");
}
// The SDK surfaces maatd's {"error":{"code","message"}} as RestError(statusCode, code,
// message); `re`, when given, must match the message (maatd says what was refused).
function expectRestError(e, status, code, re) {
  assert.equal(e.name, "RestError", `expected RestError, got ${e.name}: ${e.message}`);
  assert.equal(e.statusCode, status, `status ${e.statusCode} (${e.code}: ${e.message})`);
  assert.equal(e.code, code, `code ${e.code}: ${e.message}`);
  if (re) assert.match(e.message, re);
  console.error(`  [${code}] ${e.message}`);
}

// Plain GET on maatd (for /metrics); TLS trust from NODE_EXTRA_CA_CERTS.
function httpGet(url) {
  return new Promise((resolve, reject) => {
    https.get(url, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
    }).on("error", reject);
  });
}
async function certsFetches() {
  const m = await httpGet(EP + "/metrics");
  const line = m.body.split("\n").find((l) => l.startsWith('maatd_requests_total{route="certs",code="200"}'));
  return line ? Number(line.split(" ")[1]) : 0;
}

// A TokenCredential as @azure/core-auth defines it: getToken(scopes) -> {token, expiresOnTimestamp}.
// The SDK's bearerTokenAuthenticationPolicy asks it for scope https://attest.azure.net/.default
// and sends "Authorization: Bearer <token>" (https only).
function staticCredential(token, calls = []) {
  return {
    calls,
    getToken: async (scopes) => {
      calls.push(Array.isArray(scopes) ? scopes : [scopes]);
      return { token, expiresOnTimestamp: Date.now() + 3600 * 1000 };
    },
  };
}

// Records every request body the SDK sends and every answer (a pipeline policy).
function recorder() {
  const log = [];
  return {
    log,
    last: (re) => [...log].reverse().find((r) => re.test(r.url)),
    policy: {
      policy: {
        name: "maatAdminRecorder",
        sendRequest: async (req, next) => {
          const entry = { method: req.method, url: req.url, body: typeof req.body === "string" ? req.body : undefined };
          log.push(entry);
          const res = await next(req);
          entry.status = res.status;
          entry.response = res.bodyAsText;
          return res;
        },
      },
      position: "perRetry",
    },
  };
}

// Validation ON; captures the signer the SDK verified the response token with.
function strictValidation(captured = {}, over = {}) {
  return {
    validateToken: true,
    validateExpirationTime: true,
    validateNotBeforeTime: true,
    validateIssuer: true,
    expectedIssuer: EP,
    validateAttestationToken: (token, signer) => {
      captured.token = token;
      captured.signer = signer;
      return [];
    },
    ...over,
  };
}

let serviceSigners = [];
const cred = staticCredential(MODE === "aad" ? cfg.admin_token : "unused-in-isolated-mode");
function adminClient(over = {}) {
  const rec = recorder();
  const c = new AttestationAdministrationClient(EP, over.credential || cred, {
    validationOptions: strictValidation(over.captured || {}),
    additionalPolicies: [rec.policy],
  });
  c.rec = rec;
  return c;
}
const attClient = () => new AttestationClient(EP, {});

// The response token was checked by the SDK: signed by a maatd /certs key (the captured
// signer is the one jsrsasign verified with), issuer = endpoint, lifetime 3600 s, and the
// payload has exactly the claim names of MAA's recorded answer to the same call
// (maa-recordings/policy/*.token.json, certificates/*.token.json) besides exp/iat/iss/nbf.
const MGMT_CLAIMS = {
  get: ["x-ms-policy"],
  set: ["x-ms-policy-result", "x-ms-policy-token-hash"],
  setSigned: ["x-ms-policy-result", "x-ms-policy-signer", "x-ms-policy-token-hash"],
  reset: ["x-ms-policy-result"],
  certs: ["x-ms-policy-certificates"],
  modify: ["x-ms-certificate-thumbprint", "x-ms-policycertificates-result"],
};
function checkMgmtToken(res, cap, kind) {
  const tok = res.token;
  assert.equal(tok.algorithm, "RS256");
  assert.ok(cap.signer, "the SDK found no /certs signer that verifies the management token");
  assert.equal(cap.signer.keyId, tok.keyId);
  assert.ok(serviceSigners.some((s) => s.keyId === tok.keyId), "token kid not in /certs");
  assert.equal(tok.keyUrl, EP + "/certs");
  const body = tok.getBody();
  assert.equal(body.iss, EP);
  assert.equal(body.exp - body.iat, 3600, "management token lifetime");
  assert.equal(body.nbf, body.iat);
  assert.deepEqual(Object.keys(body).sort(), ["exp", "iat", "iss", "nbf", ...MGMT_CLAIMS[kind]].sort(),
    "claim names differ from MAA's recorded answer");
}

// The JWS the SDK sent (PUT body: raw; certificates body: JSON string literal).
function sentJws(rec, re) {
  const r = rec.last(re);
  assert.ok(r && r.body, "no request body recorded for " + re);
  return r.body.startsWith('"') ? JSON.parse(r.body) : r.body;
}
function jwsParts(jws) {
  const [h, p, s] = jws.split(".");
  return { header: JSON.parse(Buffer.from(h, "base64url")), payload: p ? JSON.parse(Buffer.from(p, "base64url")) : null, sig: s };
}
// Checks the signed JWS the SDK built: RS256, x5c[0] = the signer certificate, signature valid.
function checkSignedJws(jws, signer) {
  const { header, sig } = jwsParts(jws);
  assert.equal(header.alg, "RS256");
  assert.deepEqual(Buffer.from(header.x5c[0], "base64"), der(signer.cert));
  const [h, p] = jws.split(".");
  assert.ok(crypto.verify("sha256", Buffer.from(h + "." + p), new crypto.X509Certificate(signer.cert).publicKey,
    Buffer.from(sig, "base64url")), "the SDK's JWS signature does not verify");
}

// PolicyResult of a set: Updated, the token hash = SHA-256 of the JWS sent, the signer.
function checkSetResult(res, rec, signer) {
  const jws = sentJws(rec, /\/policies\/SgxEnclave\?/);
  const pr = res.body;
  assert.equal(pr.policyResolution, "Updated");
  assert.equal(b64url(pr.policyTokenHash), b64url(sha256(jws)), "policyTokenHash != SHA-256(JWS sent)");
  if (signer) {
    checkSignedJws(jws, signer);
    assert.ok(pr.policySigner, "no policySigner for a signed policy");
    assert.deepEqual(der(pr.policySigner.certificates[0]), der(signer.cert), "policySigner != the signing certificate");
  } else {
    assert.deepEqual(jwsParts(jws).header, { alg: "none" });
    assert.equal(pr.policySigner, undefined, "policySigner for an unsigned policy");
  }
  return `Updated, tokenHash ${b64url(pr.policyTokenHash).slice(0, 10)}…${signer ? ", signer " + thumbprint(signer.cert).slice(0, 8) : ""}`;
}

// attestSgxEnclave with the stored policy (validation on): its hash, claims, signer.
async function attestWith(text, claims, signer) {
  const cap = {};
  const res = await attClient().attestSgxEnclave(QUOTE, { runTimeData: RUNTIME, validationOptions: strictValidation(cap) });
  assert.ok(cap.signer, "attestation token not verified by the SDK");
  assert.equal(res.token.algorithm, "RS256");
  assert.equal(b64url(res.body.policyHash), text ? policyHash(text) : DEFAULT_POLICY_HASH);
  if (claims) assert.deepEqual(res.body.policyClaims, claims);
  if (signer) {
    assert.ok(res.body.policySigner, "no x-ms-policy-signer in the attestation token");
    assert.deepEqual(der(res.body.policySigner.certificates[0]), der(signer.cert));
  } else {
    assert.equal(res.body.policySigner, undefined);
  }
  return `policyHash ${b64url(res.body.policyHash).slice(0, 10)}…`;
}

const MRE = cfg.expect.mrenclave;
const policyText = (who) =>
  `version=1.0; authorizationrules{[type=="x-ms-sgx-mrenclave", value=="${MRE}"] => permit();}; ` +
  `issuancerules{c:[type=="x-ms-sgx-svn"] => issue(type="my-svn", value=c.value); => issue(type="who", value="${who}");};`;
const claimsOf = (who) => ({ "my-svn": cfg.expect.svn, who });
const DRAFT_PERMIT = 'version=1.0; authorizationrules{=> permit();}; issuancerules{=> issue(type="draft", value="yes");};';
const DRAFT_DENY = 'version=1.0; authorizationrules{c:[type=="x-ms-sgx-is-debuggable", value==false] => permit();}; issuancerules{};';
const L = MODE;

// ---------------------------------------------------------------- common
await run(`${L} /certs signers (for the checks below)`, async () => {
  serviceSigners = await attClient().getAttestationSigners();
  assert.ok(serviceSigners.length >= 1);
  return `${serviceSigners.length} key(s)`;
});

await run(`${L} getPolicy (default; fresh client fetches /certs once to validate)`, async () => {
  const cap = {};
  const c = adminClient({ captured: cap });
  const before = await certsFetches();
  const res = await c.getPolicy("SgxEnclave");
  const after = await certsFetches();
  assert.equal(after - before, 1, `the SDK should GET /certs once (saw ${after - before})`);
  checkMgmtToken(res, cap, "get");
  assert.equal(policyHash(res.body), DEFAULT_POLICY_HASH, "default policy text hash");
  assert.match(res.body, /^version= 1\.1;/);
  return `default policy (${res.body.length} chars), hash ${DEFAULT_POLICY_HASH.slice(0, 10)}…`;
});

await run(`${L} validation on: wrong expectedIssuer rejects a management token`, async () => {
  const c = adminClient();
  await expectReject(c.getPolicy("SgxEnclave", { validationOptions: strictValidation({}, { expectedIssuer: "https://other.attest.azure.net" }) }),
    /Found issuer: .* expected issuer: https:\/\/other\.attest\.azure\.net/);
  return "Found issuer … expected issuer …";
});

await run(`${L} validation on: management token used 1 h + 60 s later is expired`, async () => {
  const RealDate = globalThis.Date;
  class ShiftedDate extends RealDate {
    constructor(...a) { if (a.length === 0) super(RealDate.now() + 3660 * 1000); else super(...a); }
    static now() { return RealDate.now() + 3660 * 1000; }
  }
  const c = adminClient();
  await c.getPolicy("SgxEnclave"); // fill the signer cache (and the credential) first
  globalThis.Date = ShiftedDate;
  try {
    await expectReject(c.getPolicyManagementCertificates(), /AttestationToken has expired/);
  } finally {
    globalThis.Date = RealDate;
  }
  return "AttestationToken has expired";
});

await run(`${L} draftPolicyForAttestation permit -> unsigned token with the issued claims`, async () => {
  const res = await attClient().attestSgxEnclave(QUOTE, {
    runTimeData: RUNTIME, draftPolicyForAttestation: DRAFT_PERMIT, validationOptions: strictValidation(),
  });
  assert.equal(res.token.algorithm, "none");
  assert.equal(b64url(res.body.policyHash), policyHash(DRAFT_PERMIT));
  assert.deepEqual(res.body.policyClaims, { draft: "yes" });
  assert.equal(res.body.mrEnclave, MRE);
  return `alg none, claims {draft: "yes"}, hash ${policyHash(DRAFT_PERMIT).slice(0, 10)}…`;
});

await run(`${L} draftPolicyForAttestation deny -> RestError 400 PolicyEvaluationError`, async () => {
  const e = await expectReject(attClient().attestSgxEnclave(QUOTE, {
    runTimeData: RUNTIME, draftPolicyForAttestation: DRAFT_DENY, validationOptions: strictValidation(),
  }), /./);
  expectRestError(e, 400, "PolicyEvaluationError", /No Permit claim was issued/);
  return `${e.statusCode} ${e.code}`;
});

// ---------------------------------------------------------------- aad
if (MODE === "aad") {
  await run("aad the SDK refuses to send the bearer token over http://", async () => {
    const http = EP.replace(/^https:/, "http:");
    const c = new AttestationAdministrationClient(http, cred, { allowInsecureConnection: true });
    await expectReject(c.setPolicy("SgxEnclave", policyText("http")),
      /Bearer token authentication is not permitted for non-TLS protected \(non-https\) URLs/);
    return "core-rest-pipeline: 'Bearer token authentication is not permitted for non-TLS …'";
  });

  await run("aad getPolicyManagementCertificates -> empty", async () => {
    const cap = {};
    const res = await adminClient({ captured: cap }).getPolicyManagementCertificates();
    checkMgmtToken(res, cap, "certs");
    assert.deepEqual(res.body, []);
    return "[]";
  });

  await run("aad setPolicy unsigned (bearer token from the TokenCredential)", async () => {
    const cap = {};
    const calls = [];
    const c = adminClient({ captured: cap, credential: staticCredential(cfg.admin_token, calls) });
    const res = await c.setPolicy("SgxEnclave", policyText("aad-unsigned"));
    checkMgmtToken(res, cap, "set");
    assert.ok(calls.length >= 1, "the SDK never asked the credential for a token");
    assert.deepEqual(calls[0], [SCOPE]);
    return checkSetResult(res, c.rec, null) + `; getToken scopes ${JSON.stringify(calls[0])}`;
  });

  await run("aad getPolicy returns the policy set", async () => {
    const res = await adminClient().getPolicy("SgxEnclave");
    assert.equal(res.body, policyText("aad-unsigned"));
    return "same text";
  });

  await run("aad attestSgxEnclave uses the stored policy", () =>
    attestWith(policyText("aad-unsigned"), claimsOf("aad-unsigned"), null));

  await run("aad setPolicy signed (privateKey + certificate PEM)", async () => {
    const cap = {};
    const c = adminClient({ captured: cap });
    const res = await c.setPolicy("SgxEnclave", policyText("aad-signed"), { privateKey: S1.key, certificate: S1.cert });
    checkMgmtToken(res, cap, "setSigned");
    return checkSetResult(res, c.rec, S1);
  });

  await run("aad attestSgxEnclave: stored signed policy, x-ms-policy-signer", () =>
    attestWith(policyText("aad-signed"), claimsOf("aad-signed"), S1));

  await run("aad wrong bearer token -> RestError 401 Unauthorized", async () => {
    const c = adminClient({ credential: staticCredential("not-" + cfg.admin_token) });
    const e = await expectReject(c.setPolicy("SgxEnclave", policyText("intruder")), /./);
    expectRestError(e, 401, "Unauthorized", /bearer token/);
    const g = await adminClient().getPolicy("SgxEnclave");
    assert.equal(g.body, policyText("aad-signed"), "the policy changed without the token");
    return `${e.statusCode} ${e.code}; policy unchanged`;
  });

  await run("aad addPolicyManagementCertificate -> 400 InvalidOperation (as MAA's AAD instances)", async () => {
    const e = await expectReject(adminClient().addPolicyManagementCertificate(S2.cert, S1.key, S1.cert), /./);
    expectRestError(e, 400, "InvalidOperation", /disallowed/);
    return `${e.statusCode} ${e.code}`;
  });

  await run("aad resetPolicy (unsigned) -> Removed, default policy back", async () => {
    const cap = {};
    const c = adminClient({ captured: cap });
    const res = await c.resetPolicy("SgxEnclave");
    checkMgmtToken(res, cap, "reset");
    assert.equal(res.body.policyResolution, "Removed");
    assert.equal(sentJws(c.rec, /:reset\?/), "eyJhbGciOiJub25lIn0..");
    // MAA's recorded reset answers carry x-ms-policy-result only (no token hash, no signer)
    assert.equal(res.body.policyTokenHash, undefined);
    assert.equal(res.body.policySigner, undefined);
    const g = await adminClient().getPolicy("SgxEnclave");
    assert.equal(policyHash(g.body), DEFAULT_POLICY_HASH);
    return "Removed; getPolicy = default";
  });

  await run("aad attestSgxEnclave after reset uses the default policy", () => attestWith(null, null, null));
}

// ---------------------------------------------------------------- isolated
if (MODE === "isolated") {
  const certsOf = async () => {
    const cap = {};
    const res = await adminClient({ captured: cap }).getPolicyManagementCertificates();
    checkMgmtToken(res, cap, "certs");
    return res.body.map((s) => thumbprint(s.certificates[0]));
  };

  await run("isolated getPolicyManagementCertificates = the initial --policy-signer", async () => {
    assert.deepEqual(await certsOf(), [thumbprint(S1.cert)]);
    return thumbprint(S1.cert);
  });

  await run("isolated setPolicy unsigned -> 400 InvalidOperation", async () => {
    const e = await expectReject(adminClient().setPolicy("SgxEnclave", policyText("unsigned")), /./);
    expectRestError(e, 400, "InvalidOperation", /unsigned/);
    return `${e.statusCode} ${e.code}`;
  });

  await run("isolated setPolicy signed by signer 1", async () => {
    const cap = {};
    const c = adminClient({ captured: cap });
    const res = await c.setPolicy("SgxEnclave", policyText("signer-1"), { privateKey: S1.key, certificate: S1.cert });
    checkMgmtToken(res, cap, "setSigned");
    return checkSetResult(res, c.rec, S1);
  });

  await run("isolated getPolicy returns it", async () => {
    const res = await adminClient().getPolicy("SgxEnclave");
    assert.equal(res.body, policyText("signer-1"));
    return "same text";
  });

  await run("isolated attestSgxEnclave: stored policy, x-ms-policy-signer = signer 1", () =>
    attestWith(policyText("signer-1"), claimsOf("signer-1"), S1));

  await run("isolated setPolicy signed by signer 2 (not yet a signer) -> 400 InvalidOperation", async () => {
    const e = await expectReject(adminClient().setPolicy("SgxEnclave", policyText("signer-2"), { privateKey: S2.key, certificate: S2.cert }), /./);
    expectRestError(e, 400, "InvalidOperation", new RegExp(thumbprint(S2.cert) + ", which is not one of"));
    return `${e.statusCode} ${e.code}`;
  });

  await run("isolated addPolicyManagementCertificate signed by signer 2 itself -> 400 InvalidOperation", async () => {
    const e = await expectReject(adminClient().addPolicyManagementCertificate(S2.cert, S2.key, S2.cert), /./);
    expectRestError(e, 400, "InvalidOperation", new RegExp(thumbprint(S2.cert) + ", which is not one of"));
    return `${e.statusCode} ${e.code}`;
  });

  await run("isolated addPolicyManagementCertificate(signer 2) signed by signer 1", async () => {
    const cap = {};
    const c = adminClient({ captured: cap });
    const res = await c.addPolicyManagementCertificate(S2.cert, S1.key, S1.cert);
    checkMgmtToken(res, cap, "modify");
    const jws = sentJws(c.rec, /\/certificates:add\?/);
    checkSignedJws(jws, S1);
    assert.deepEqual(Buffer.from(jwsParts(jws).payload.policyCertificate.x5c[0], "base64"), der(S2.cert));
    assert.equal(res.body.certificateThumbprint, thumbprint(S2.cert));
    assert.equal(res.body.certificateResolution, "IsPresent");
    return `IsPresent, thumbprint ${res.body.certificateThumbprint}`;
  });

  await run("isolated addPolicyManagementCertificate again -> IsPresent", async () => {
    const res = await adminClient().addPolicyManagementCertificate(S2.cert, S1.key, S1.cert);
    assert.equal(res.body.certificateResolution, "IsPresent");
    assert.equal(res.body.certificateThumbprint, thumbprint(S2.cert));
    return "IsPresent";
  });

  await run("isolated getPolicyManagementCertificates = signers 1 and 2", async () => {
    const got = await certsOf();
    assert.deepEqual([...got].sort(), [thumbprint(S1.cert), thumbprint(S2.cert)].sort());
    return got.map((t) => t.slice(0, 8)).join(", ");
  });

  await run("isolated setPolicy signed by signer 2", async () => {
    const cap = {};
    const c = adminClient({ captured: cap });
    const res = await c.setPolicy("SgxEnclave", policyText("signer-2"), { privateKey: S2.key, certificate: S2.cert });
    checkMgmtToken(res, cap, "setSigned");
    return checkSetResult(res, c.rec, S2);
  });

  await run("isolated attestSgxEnclave: x-ms-policy-signer = signer 2", () =>
    attestWith(policyText("signer-2"), claimsOf("signer-2"), S2));

  await run("isolated removePolicyManagementCertificate(signer 2) signed by signer 2", async () => {
    const cap = {};
    const c = adminClient({ captured: cap });
    const res = await c.removePolicyManagementCertificate(S2.cert, S2.key, S2.cert);
    checkMgmtToken(res, cap, "modify");
    checkSignedJws(sentJws(c.rec, /\/certificates:remove\?/), S2);
    assert.equal(res.body.certificateThumbprint, thumbprint(S2.cert));
    assert.equal(res.body.certificateResolution, "IsAbsent");
    assert.deepEqual(await certsOf(), [thumbprint(S1.cert)]);
    return `IsAbsent, thumbprint ${res.body.certificateThumbprint}; list = signer 1`;
  });

  await run("isolated removePolicyManagementCertificate again (signed by signer 1) -> IsAbsent", async () => {
    const res = await adminClient().removePolicyManagementCertificate(S2.cert, S1.key, S1.cert);
    assert.equal(res.body.certificateResolution, "IsAbsent");
    return "IsAbsent";
  });

  await run("isolated setPolicy signed by the removed signer 2 -> 400 InvalidOperation", async () => {
    const e = await expectReject(adminClient().setPolicy("SgxEnclave", policyText("signer-2b"), { privateKey: S2.key, certificate: S2.cert }), /./);
    expectRestError(e, 400, "InvalidOperation", new RegExp(thumbprint(S2.cert) + ", which is not one of"));
    return `${e.statusCode} ${e.code}`;
  });

  await run("isolated removing the last signer -> 400 InvalidOperation", async () => {
    const e = await expectReject(adminClient().removePolicyManagementCertificate(S1.cert, S1.key, S1.cert), /./);
    expectRestError(e, 400, "InvalidOperation", new RegExp(thumbprint(S1.cert) + " is the last"));
    assert.deepEqual(await certsOf(), [thumbprint(S1.cert)]);
    return `${e.statusCode} ${e.code}; signer 1 still listed`;
  });

  await run("isolated resetPolicy unsigned -> 400 InvalidOperation", async () => {
    const e = await expectReject(adminClient().resetPolicy("SgxEnclave"), /./);
    expectRestError(e, 400, "InvalidOperation", /unsigned/);
    return `${e.statusCode} ${e.code}`;
  });

  await run("isolated resetPolicy signed by signer 1 -> Removed, default back", async () => {
    const cap = {};
    const c = adminClient({ captured: cap });
    const res = await c.resetPolicy("SgxEnclave", { privateKey: S1.key, certificate: S1.cert });
    checkMgmtToken(res, cap, "reset");
    assert.equal(res.body.policyResolution, "Removed");
    checkSignedJws(sentJws(c.rec, /:reset\?/), S1);
    assert.equal(res.body.policyTokenHash, undefined);
    assert.equal(res.body.policySigner, undefined);
    const g = await adminClient().getPolicy("SgxEnclave");
    assert.equal(policyHash(g.body), DEFAULT_POLICY_HASH);
    return "Removed; getPolicy = default";
  });

  await run("isolated attestSgxEnclave after reset uses the default policy", () => attestWith(null, null, null));
}

const w = Math.max(...rows.map((r) => r[1].length));
for (const [st, name, note] of rows) console.log(`${st.padEnd(7)} ${name.padEnd(w)}  ${note}`);
console.log(`${L}: ${rows.filter((r) => r[0] === "PASS").length} passed, ${failures} failed, ` +
  `${rows.filter((r) => r[0] === "SKIPPED").length} skipped`);
process.exit(failures ? 1 : 0);
