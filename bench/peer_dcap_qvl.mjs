// peer_dcap_qvl.mjs - the npm peers' verification loop for run-bench-verify.sh: the same
// quote, collateral object and verification time as bench_verify, verify() in a loop
// after 1 s of JIT warm-up, RUNS runs of SECS seconds, median printed as `PEER ops_s=`.
//   PEER=js  @phala/dcap-qvl      (JavaScript)        QVL=<its directory>
//   PEER=web @phala/dcap-qvl-web  (Rust core in WASM) QVL=<its directory>
// Each verify() re-checks collateral and chains: nothing is cached between calls.
import fs from 'fs';
import { createRequire } from 'module';

const base = process.env.QVL, kind = process.env.PEER || 'js';
const version = JSON.parse(fs.readFileSync(base + '/package.json', 'utf8')).version;
const dir = process.env.VECTORS + '/dcap-qvl/';
const quote = new Uint8Array(fs.readFileSync(dir + 'sgx_quote'));
const collateral = JSON.parse(fs.readFileSync(dir + 'sgx_quote_collateral.json', 'utf8'));
const at = 1752919277, runs = +process.env.RUNS, secs = +process.env.SECS;

let verify, name;
if (kind === 'web') {
  const m = await import(base + '/dcap-qvl-web.js');
  m.initSync({ module: fs.readFileSync(base + '/dcap-qvl-web_bg.wasm') });
  verify = () => m.js_verify(quote, collateral, BigInt(at));
  name = '@phala/dcap-qvl-web';
} else {
  const qvl = createRequire(import.meta.url)(base);
  verify = () => qvl.verify(quote, collateral, at);
  name = '@phala/dcap-qvl';
}
const once = () => {
  const r = verify();
  if (r.status !== 'ConfigurationAndSWHardeningNeeded') throw new Error('unexpected status ' + r.status);
};
const loop = (s) => {
  let n = 0;
  const t0 = process.hrtime.bigint();
  let t;
  do { for (let i = 0; i < 8; i++) once(); n += 8; t = Number(process.hrtime.bigint() - t0) / 1e9; } while (t < s);
  return n / t;
};
loop(1.0); // JIT warm-up
const rates = [];
for (let r = 0; r < runs; r++) rates.push(loop(secs));
const sorted = [...rates].sort((a, b) => a - b);
const m = runs % 2 ? sorted[(runs - 1) / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
console.log(`${name} ${version} (node ${process.version}) verify(), ${runs} runs x ${secs} s:`);
console.log(`  ${m.toFixed(0)} ops/s ${(1e6 / m).toFixed(1)} us/op (runs ${sorted[0].toFixed(0)}..${sorted[runs - 1].toFixed(0)})`);
console.log(`PEER ops_s=${m.toFixed(1)}`);
