// azure_sdk_check.mjs - drives the official Azure Attestation SDK (@azure/attestation 1.0.0,
// pinned in package.json / package-lock.json next to this file) against a running maatd and
// checks every answer: OpenID metadata, /certs signers (MAA's kid rule), attestSgxEnclave and
// attestOpenEnclave with binary and JSON runtime data, errors as RestError, and that the
// SDK's own token validation (signature against /certs, issuer, exp, nbf) is on and can fail;
// draft policies (PENDING while maatd answers 501 NotImplemented).
//
// usage: node azure_sdk_check.mjs CONFIG.json   (written by tests/compat/test_azure_sdk.sh)
// CONFIG: {endpoint, tls, files: {quote, runtime_bin, quote_json, runtime_json,
//          oe_report, oe_report_json}, expect: {mrenclave, mrsigner, product_id, svn, debug}}
// Prints one line per case (PASS/FAIL/PENDING) and exits 1 if any case failed.
import { createRequire } from "node:module";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const { AttestationClient } = require("@azure/attestation");

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const EP = cfg.endpoint;
const read = (p) => fs.readFileSync(p);
const F = Object.fromEntries(Object.entries(cfg.files).map(([k, v]) => [k, read(v)]));
const sha256hex = (b) => crypto.createHash("sha256").update(b).digest("hex");
const b64url = (b) => Buffer.from(b).toString("base64url");
// MAA's default SGX policy hash (maa.md section 4), what maatd uses until the policy milestone
const DEFAULT_POLICY_HASH = "ViVGS4BYl70X8eUrgryHg0TtbEk9WtIc6DtTBEFxaWc";

const rows = [];
let failures = 0;
async function run(name, fn) {
  try {
    const note = await fn();
    if (note && note.pending) {
      rows.push(["PENDING", name, note.pending]);
    } else {
      rows.push(["PASS", name, note || ""]);
    }
  } catch (e) {
    failures++;
    rows.push(["FAIL", name, (e && e.message ? e.message : String(e)).replace(/\s*\n\s*/g, " ").slice(0, 400)]);
  }
}

// The report body of a quote (bare SGX quote v3/v4, or an OE envelope: 16-byte header first).
function reportBody(buf) {
  let q = buf;
  if (q.readUInt32LE(0) === 1 && q.readUInt32LE(4) === 2 && Number(q.readBigUInt64LE(8)) === q.length - 16) {
    q = q.subarray(16);
  }
  const rb = q.subarray(48, 48 + 384);
  return {
    flags: rb.readBigUInt64LE(48),
    mrenclave: rb.subarray(64, 96).toString("hex"),
    mrsigner: rb.subarray(128, 160).toString("hex"),
    product_id: rb.readUInt16LE(256),
    svn: rb.readUInt16LE(258),
    report_data: rb.subarray(320, 384),
  };
}

// Plain GET on maatd (for /metrics), honouring NODE_EXTRA_CA_CERTS for https.
function httpGet(url) {
  const mod = url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    mod.get(url, (res) => {
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

// Client options: the SDK's pipeline (core-rest-pipeline 1.24, pinned) refuses http:// unless
// allowInsecureConnection is set; over TLS nothing special is needed.
const clientOptions = cfg.tls ? {} : { allowInsecureConnection: true };
const newClient = (extra = {}) => new AttestationClient(EP, { ...clientOptions, ...extra });

// Validation ON, as strict as the SDK allows; captures the signer the SDK verified with.
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

// Asserts the SDK's AttestationResult equals the quote's fields and the runtime data.
function checkResult(res, evidence, runtime, kind, captured, signers) {
  const rb = reportBody(evidence);
  const body = res.body;
  const tok = res.token;
  // the SDK verified the signature with the /certs key named by the token's kid
  assert.ok(captured.signer, "the SDK found no signer that verifies the token");
  assert.equal(tok.algorithm, "RS256");
  assert.equal(tok.type, "JWT");
  assert.equal(tok.keyUrl, EP + "/certs");
  assert.equal(captured.signer.keyId, tok.keyId, "signer kid != token kid");
  assert.equal(tok.keyId, signers[0].keyId, "token not signed by the current (first) /certs key");
  assert.equal(body.issuer, EP);
  assert.equal(body.version, "1.0");
  assert.equal(body.verifierType, "sgx");
  assert.match(body.uniqueId, /^[0-9a-f]{64}$/);
  assert.equal(body.mrEnclave, rb.mrenclave);
  assert.equal(body.mrSigner, rb.mrsigner);
  assert.equal(body.productId, rb.product_id);
  assert.equal(body.svn, rb.svn);
  assert.equal(body.isDebuggable, (rb.flags & 2n) !== 0n);
  assert.equal(b64url(body.policyHash), DEFAULT_POLICY_HASH);
  assert.equal(body.sgxCollateral.quotehash, sha256hex(evidence), "quotehash != SHA-256(evidence as sent)");
  assert.deepEqual(body.policyClaims, {
    "is-debuggable": body.isDebuggable, "product-id": rb.product_id, "sgx-mrenclave": rb.mrenclave,
    "sgx-mrsigner": rb.mrsigner, svn: rb.svn, tee: "sgx",
  });
  // binding: report_data = SHA-256(runtime bytes as sent) || 0^32
  assert.equal(rb.report_data.subarray(0, 32).toString("hex"), sha256hex(runtime));
  if (kind === "Binary") {
    assert.ok(body.enclaveHeldData, "no x-ms-sgx-ehd");
    assert.equal(Buffer.from(body.enclaveHeldData).toString("hex"), runtime.toString("hex"), "ehd != runtime data");
    assert.equal(body.runTimeClaims, undefined);
  } else {
    assert.equal(body.enclaveHeldData, undefined, "JSON runtime data must not give x-ms-sgx-ehd");
    const text = runtime.toString("utf8").replace(/\0+$/, "");
    assert.deepEqual(body.runTimeClaims, JSON.parse(text));
  }
  // expected values chosen by the shell script (the sim was told to put them in the quote)
  if (cfg.expect && evidence === F.quote) {
    assert.equal(body.mrEnclave, cfg.expect.mrenclave);
    assert.equal(body.mrSigner, cfg.expect.mrsigner);
    assert.equal(body.productId, cfg.expect.product_id);
    assert.equal(body.svn, cfg.expect.svn);
    assert.equal(body.isDebuggable, cfg.expect.debug);
  }
  return `mrenclave ${body.mrEnclave.slice(0, 8)}… prod ${body.productId} svn ${body.svn} debug ${body.isDebuggable} kid ${tok.keyId.slice(0, 10)}…`;
}

// Runs fn with the JS clock shifted by `seconds` (new Date(), Date.now()); the SDK reads
// the time with `new Date().getTime()` when it checks exp/nbf.
async function withClockShift(seconds, fn) {
  const RealDate = globalThis.Date;
  class ShiftedDate extends RealDate {
    constructor(...a) {
      if (a.length === 0) super(RealDate.now() + seconds * 1000);
      else super(...a);
    }
    static now() { return RealDate.now() + seconds * 1000; }
  }
  globalThis.Date = ShiftedDate;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
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

const label = cfg.tls ? "https" : "http";
let signers = [];

await run(`${label} getOpenIdMetadata`, async () => {
  const md = await newClient().getOpenIdMetadata();
  assert.deepEqual(Object.keys(md), ["response_types_supported", "id_token_signing_alg_values_supported",
    "revocation_endpoint", "issuer", "jwks_uri", "claims_supported"]);
  assert.equal(md.issuer, EP);
  assert.equal(md.jwks_uri, EP + "/certs");
  assert.deepEqual(md.id_token_signing_alg_values_supported, ["RS256"]);
  assert.ok(md.claims_supported.includes("x-ms-sgx-mrenclave"));
  return `issuer ${md.issuer}`;
});

await run(`${label} getAttestationSigners`, async () => {
  signers = await newClient().getAttestationSigners();
  assert.ok(signers.length >= 1, "no signers");
  for (const s of signers) {
    assert.equal(typeof s.keyId, "string");
    assert.ok(s.certificates.length >= 1);
  }
  const cert = new crypto.X509Certificate(signers[0].certificates[0]);
  // MAA's kid rule: standard padded base64 of SHA-256(SPKI PEM + NUL)
  const spkiPem = cert.publicKey.export({ type: "spki", format: "pem" });
  const kid = crypto.createHash("sha256").update(Buffer.concat([Buffer.from(spkiPem), Buffer.from([0])])).digest("base64");
  assert.equal(signers[0].keyId, kid, "kid != base64(SHA-256(SPKI PEM + NUL))");
  assert.equal(cert.subject, "CN=" + EP);
  assert.equal(cert.issuer, cert.subject);
  assert.ok(cert.checkIssued(cert) && cert.verify(cert.publicKey), "signing certificate is not self-signed");
  assert.equal(cert.publicKey.asymmetricKeyType, "rsa");
  return `${signers.length} signer(s), kid ${signers[0].keyId}`;
});

await run(`${label} attestSgxEnclave runtime Binary (validation on; signers fetched from /certs)`, async () => {
  const before = await certsFetches();
  const cap = {};
  const res = await newClient().attestSgxEnclave(F.quote, {
    runTimeData: F.runtime_bin, validationOptions: strictValidation(cap),
  });
  const after = await certsFetches();
  assert.equal(after - before, 1, `the SDK should GET /certs once to validate (saw ${after - before})`);
  return checkResult(res, F.quote, F.runtime_bin, "Binary", cap, signers);
});

await run(`${label} attestSgxEnclave runtime JSON`, async () => {
  const cap = {};
  const res = await newClient().attestSgxEnclave(F.quote_json, {
    runTimeJson: F.runtime_json, validationOptions: strictValidation(cap),
  });
  return checkResult(res, F.quote_json, F.runtime_json, "JSON", cap, signers);
});

await run(`${label} attestOpenEnclave runtime Binary`, async () => {
  const cap = {};
  const res = await newClient().attestOpenEnclave(F.oe_report, {
    runTimeData: F.runtime_bin, validationOptions: strictValidation(cap),
  });
  return checkResult(res, F.oe_report, F.runtime_bin, "Binary", cap, signers);
});

await run(`${label} attestOpenEnclave runtime JSON`, async () => {
  const cap = {};
  const res = await newClient().attestOpenEnclave(F.oe_report_json, {
    runTimeJson: F.runtime_json, validationOptions: strictValidation(cap),
  });
  return checkResult(res, F.oe_report_json, F.runtime_json, "JSON", cap, signers);
});

await run(`${label} client-level validationOptions (constructor) are applied`, async () => {
  const cap = {};
  const c = newClient({ validationOptions: strictValidation(cap, { expectedIssuer: EP + "/wrong" }) });
  await expectReject(c.attestSgxEnclave(F.quote, { runTimeData: F.runtime_bin }), /Found issuer: .*expected issuer: .*\/wrong/);
  return "wrong expectedIssuer in the constructor rejects the token";
});

// Draft policies: maatd answered 501 NotImplemented before the policy milestone (PENDING);
// once implemented, MAA's behaviour is expected: an unsigned (alg none) token whose
// x-ms-policy-hash is the draft's hash for a permit, 400 PolicyEvaluationError for a deny.
const policyHash = (text) => b64url(crypto.createHash("sha256").update(b64url(Buffer.from(text, "utf8"))).digest());
const DRAFT_PERMIT = "version=1.0; authorizationrules{=> permit();}; issuancerules{};";
// the quote is a debug enclave, so this permits nothing
const DRAFT_DENY = 'version=1.0; authorizationrules{c:[type=="x-ms-sgx-is-debuggable", value==false] => permit();}; issuancerules{};';

await run(`${label} draftPolicyForAttestation (permit)`, async () => {
  let res;
  try {
    res = await newClient().attestSgxEnclave(F.quote, {
      runTimeData: F.runtime_bin, draftPolicyForAttestation: DRAFT_PERMIT, validationOptions: strictValidation(),
    });
  } catch (e) {
    if (e.statusCode === 501 && e.code === "NotImplemented") {
      return { pending: "maatd answers 501 NotImplemented (policy milestone); the SDK surfaces RestError 501 NotImplemented" };
    }
    throw e;
  }
  assert.equal(res.token.algorithm, "none", "a draft-policy token must be unsigned (alg none), as MAA's");
  assert.equal(b64url(res.body.policyHash), policyHash(DRAFT_PERMIT));
  assert.equal(res.body.mrEnclave, reportBody(F.quote).mrenclave);
  return `alg none, x-ms-policy-hash ${policyHash(DRAFT_PERMIT).slice(0, 10)}…`;
});

await run(`${label} draftPolicyForAttestation (deny)`, async () => {
  const e = await expectReject(newClient().attestSgxEnclave(F.quote, {
    runTimeData: F.runtime_bin, draftPolicyForAttestation: DRAFT_DENY, validationOptions: strictValidation(),
  }), /./);
  if (e.statusCode === 501 && e.code === "NotImplemented") {
    return { pending: "maatd answers 501 NotImplemented (policy milestone)" };
  }
  assert.equal(e.name, "RestError");
  assert.equal(e.statusCode, 400);
  assert.equal(e.code, "PolicyEvaluationError");
  return `${e.statusCode} ${e.code}`;
});

await run(`${label} error: runtime data not matching the quote -> RestError 400 InvalidParameter`, async () => {
  const e = await expectReject(newClient().attestSgxEnclave(F.quote, { runTimeData: F.runtime_json }), /runtimeData/);
  assert.equal(e.name, "RestError");
  assert.equal(e.statusCode, 400);
  assert.equal(e.code, "InvalidParameter");
  return `${e.statusCode} ${e.code}`;
});

await run(`${label} error: OE route given a bare quote -> 400 InvalidParameter`, async () => {
  const e = await expectReject(newClient().attestOpenEnclave(F.quote, { runTimeData: F.runtime_bin }), /./);
  assert.equal(e.statusCode, 400);
  assert.equal(e.code, "InvalidParameter");
  return `${e.statusCode} ${e.code}`;
});

// ---- the SDK's validation is really on: each check can fail ----
await run(`${label} validation: wrong expectedIssuer is rejected`, async () => {
  await expectReject(newClient().attestSgxEnclave(F.quote, {
    runTimeData: F.runtime_bin, validationOptions: strictValidation({}, { expectedIssuer: "https://other.attest.azure.net" }),
  }), /Found issuer: .* expected issuer: https:\/\/other\.attest\.azure\.net/);
  return "Found issuer … expected issuer …";
});

await run(`${label} validation: token used 8 h + 60 s later is expired (exp = iat + 28800)`, async () => {
  await withClockShift(28800 + 60, () => expectReject(newClient().attestSgxEnclave(F.quote, {
    runTimeData: F.runtime_bin, validationOptions: strictValidation(),
  }), /AttestationToken has expired/));
  // control: the same clock with validateExpirationTime off passes
  await withClockShift(28800 + 60, () => newClient().attestSgxEnclave(F.quote, {
    runTimeData: F.runtime_bin, validationOptions: strictValidation({}, { validateExpirationTime: false }),
  }));
  return "expired with the check on, accepted with it off";
});

await run(`${label} validation: token seen 120 s before its nbf is not yet valid`, async () => {
  await withClockShift(-120, () => expectReject(newClient().attestSgxEnclave(F.quote, {
    runTimeData: F.runtime_bin, validationOptions: strictValidation(),
  }), /AttestationToken is not yet valid/));
  return "not yet valid";
});

// A man in the middle that changes one claim of the token: the SDK must refuse the signature.
if (!cfg.tls) {
  await run(`${label} validation: token with a modified claim is not properly signed`, async () => {
    const target = new URL(EP);
    const proxy = http.createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method,
          headers: req.headers }, (ur) => {
          const rc = [];
          ur.on("data", (c) => rc.push(c));
          ur.on("end", () => {
            let body = Buffer.concat(rc);
            if (req.url.startsWith("/attest/") && ur.statusCode === 200) {
              const j = JSON.parse(body.toString("utf8"));
              const [h, p, s] = j.token.split(".");
              const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
              claims["x-ms-sgx-svn"] += 1;
              j.token = [h, b64url(JSON.stringify(claims)), s].join(".");
              body = Buffer.from(JSON.stringify(j));
            }
            const hdrs = { ...ur.headers, "content-length": String(body.length) };
            res.writeHead(ur.statusCode, hdrs);
            res.end(body);
          });
        });
        up.on("error", (e) => { res.writeHead(502); res.end(String(e)); });
        up.end(Buffer.concat(chunks));
      });
    });
    await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
    const pep = `http://127.0.0.1:${proxy.address().port}`;
    try {
      const c = new AttestationClient(pep, { allowInsecureConnection: true });
      // issuer = the Host the client used (the proxy), so only the signature can fail here
      await expectReject(c.attestSgxEnclave(F.quote, {
        runTimeData: F.runtime_bin, validationOptions: strictValidation({}, { expectedIssuer: pep }),
      }), /Attestation Token is not properly signed/);
      // control: validateToken off -> the tampered claim comes through (so the check above is the signature)
      const r = await c.attestSgxEnclave(F.quote, {
        runTimeData: F.runtime_bin, validationOptions: { validateToken: false },
      });
      assert.equal(r.body.svn, reportBody(F.quote).svn + 1);
    } finally {
      proxy.close();
    }
    return "tampered x-ms-sgx-svn refused; accepted only with validateToken off";
  });

  await run(`${label} the SDK refuses http:// without allowInsecureConnection`, async () => {
    await expectReject(new AttestationClient(EP).getOpenIdMetadata(), /allowInsecureConnection is false/);
    return "core-rest-pipeline: 'Cannot connect to http://… while allowInsecureConnection is false'";
  });
}

const w = Math.max(...rows.map((r) => r[1].length));
for (const [st, name, note] of rows) {
  console.log(`${st.padEnd(7)} ${name.padEnd(w)}  ${note}`);
}
console.log(`${label}: ${rows.filter((r) => r[0] === "PASS").length} passed, ${failures} failed, ` +
  `${rows.filter((r) => r[0] === "PENDING").length} pending`);
process.exit(failures ? 1 : 0);
