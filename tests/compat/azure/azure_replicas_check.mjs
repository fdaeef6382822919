// azure_replicas_check.mjs - the official Azure Attestation SDK (@azure/attestation 1.0.0)
// against two maatd replicas sharing one PostgreSQL store (issue 13, docs/deploy.md
// "Replicas"): a signed policy set through replica A is applied by replica B (its
// x-ms-policy-hash) within 2 s; a signer added through B signs a policy accepted by A within
// 2 s; after `maat key rotate --store`, a token from A validates with B's /certs (the SDK's
// own token validation against B's signers), before and after the rotation. The SDK's
// validation of every response token is ON.
//
// usage: node azure_replicas_check.mjs CONFIG.json   (written by tests/compat/test_azure_replicas.sh)
// CONFIG: {A, B, maat, store, signer1: {key, cert}, signer2: {key, cert}, files: {quote, runtime_bin}}
// Prints one line per case (PASS/FAIL) and exits 1 if any case failed.
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const { AttestationClient, AttestationAdministrationClient } = require("@azure/attestation");

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const QUOTE = fs.readFileSync(cfg.files.quote);
const RUNTIME = fs.readFileSync(cfg.files.runtime_bin);
const S1 = { key: fs.readFileSync(cfg.signer1.key, "utf8"), cert: fs.readFileSync(cfg.signer1.cert, "utf8") };
const S2 = { key: fs.readFileSync(cfg.signer2.key, "utf8"), cert: fs.readFileSync(cfg.signer2.cert, "utf8") };
const b64url = (b) => Buffer.from(b).toString("base64url");
const sha256 = (b) => crypto.createHash("sha256").update(b).digest();
const policyHash = (text) => b64url(sha256(b64url(Buffer.from(text, "utf8"))));
const policyText = (who) => `version=1.0; authorizationrules{=> permit();}; issuancerules{=> issue(type="who", value="${who}");};`;
const cred = { getToken: async () => ({ token: "unused-in-isolated-mode", expiresOnTimestamp: Date.now() + 3600e3 }) };

const strict = (ep) => ({
  validateToken: true, validateExpirationTime: true, validateNotBeforeTime: true,
  validateIssuer: true, expectedIssuer: ep,
});
const admin = (ep) => new AttestationAdministrationClient(ep, cred, { validationOptions: strict(ep) });
const att = (ep) => new AttestationClient(ep, {});
const attest = (ep) => att(ep).attestSgxEnclave(QUOTE, { runTimeData: RUNTIME, validationOptions: strict(ep) });

// Repeats fn until it returns a truthy value or `limit` ms passed; returns [value, ms].
async function within(limit, fn) {
  const t0 = Date.now();
  for (;;) {
    let v;
    try {
      v = await fn();
    } catch (e) {
      v = undefined;
    }
    const ms = Date.now() - t0;
    if (v || ms > limit) return [v, ms];
    await new Promise((r) => setTimeout(r, 50));
  }
}

const rows = [];
let failures = 0;
async function run(name, fn) {
  try {
    rows.push(["PASS", name, (await fn()) || ""]);
  } catch (e) {
    failures++;
    rows.push(["FAIL", name, String(e && e.message ? e.message : e).replace(/\s*\n\s*/g, " ").slice(0, 500)]);
  }
}

await run("setPolicy signed through replica A; replica B attests with it (x-ms-policy-hash) within 2 s", async () => {
  const text = policyText("set-on-A");
  const res = await admin(cfg.A).setPolicy("SgxEnclave", text, { privateKey: S1.key, certificate: S1.cert });
  assert.equal(res.body.policyResolution, "Updated");
  const [ok, ms] = await within(5000, async () => b64url((await attest(cfg.B)).body.policyHash) === policyHash(text));
  assert.ok(ok, `B never used A's policy (${ms} ms)`);
  assert.ok(ms < 2000, `B used it after ${ms} ms`);
  return `${ms} ms`;
});

await run("addPolicyManagementCertificate through B; A accepts a policy signed by it within 2 s", async () => {
  const res = await admin(cfg.B).addPolicyManagementCertificate(S2.cert, S1.key, S1.cert);
  assert.equal(res.body.certificateResolution, "IsPresent");
  const text = policyText("signer-2-on-A");
  const [ok, ms] = await within(5000, async () =>
    (await admin(cfg.A).setPolicy("SgxEnclave", text, { privateKey: S2.key, certificate: S2.cert })).body.policyResolution === "Updated");
  assert.ok(ok, `A never accepted signer 2 (${ms} ms)`);
  assert.ok(ms < 2000, `A accepted it after ${ms} ms`);
  const [used] = await within(2000, async () => b64url((await attest(cfg.B)).body.policyHash) === policyHash(text));
  assert.ok(used, "B does not attest with the policy signed by signer 2");
  return `${ms} ms`;
});

await run("maat key rotate; a token from A (before and after) validates with B's /certs", async () => {
  const before = await attest(cfg.A);
  const oldKid = before.token.keyId;
  const out = execFileSync(cfg.maat, ["key", "rotate", "--store", cfg.store], { encoding: "utf8" });
  assert.match(out, /^rotated: new kid /);
  const [ok, ms] = await within(5000, async () => {
    const a = await att(cfg.A).getAttestationSigners();
    const b = await att(cfg.B).getAttestationSigners();
    return a.length === 2 && b.length === 2 && a[0].keyId !== oldKid && b[0].keyId === a[0].keyId && b[1].keyId === oldKid;
  });
  assert.ok(ok && ms < 2000, `rotation not in both /certs within 2 s (${ms} ms)`);
  const after = await attest(cfg.A);
  assert.notEqual(after.token.keyId, oldKid, "A still signs with the old key");
  const signersB = await att(cfg.B).getAttestationSigners();
  for (const [what, t] of [["after", after.token], ["before", before.token]]) {
    const problems = t.getTokenProblems(signersB, strict(cfg.A));
    assert.deepEqual(problems, [], `token from A (${what} the rotation) against B's /certs: ${problems}`);
  }
  return `both /certs in ${ms} ms`;
});

for (const [s, n, note] of rows) console.log(`${s} ${n}${note ? " — " + note : ""}`);
process.exit(failures ? 1 : 0);
