#!/usr/bin/env node
/*
 * dcap_qvl_compare.mjs - `maat verify --json` side by side with the npm peer
 * @phala/dcap-qvl (its verify() / QuoteVerifier.newWithRootCa().verify()) on the same
 * quote, collateral and time.
 *
 * Cases:
 *   real   the SGX vector dcap-qvl/sgx_quote at its README time and at the expiry and
 *          issue-date instants: both must agree (status string and advisory ID set when
 *          both accept; both reject otherwise), and match the README's values.
 *   laxer  where the peer does not follow Intel on CRLs (signatures, dates, issuer):
 *          maat must reject as Intel's QVL does; the peer's answer is shown.
 *   sim    quotes of the simulated platform (`maat sim`), trusted through --trust-root
 *          for maat and QuoteVerifier.newWithRootCa() for the peer: every TCB status,
 *          QE TCB levels, revocation, FMSPC mismatch, an untrusted root, plus the known
 *          differences (Intel's QE/platform status convergence, ISV debug enclaves,
 *          SGX v4 quotes).
 *   tdx    the TDX vectors, for information only here; the TDX comparison with
 *          assertions is dcap_qvl_tdx_compare.mjs (ctest compat_test_dcap_qvl_tdx).
 * See docs/compat.md for each difference and why maat's answer is Intel's.
 *
 * usage: node dcap_qvl_compare.mjs WORKDIR   (env MAAT_BIN: directory holding `maat`,
 *        MAAT_VECTORS: the shared vectors). Exit 0 all expectations met, 1 otherwise.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { cell, judge, peerVersion, runMaat, runPeer, setup, sim as simWith } from './dcap_qvl_lib.mjs';

const { maatBin, V, W } = setup('dcap_qvl_compare.mjs');
const sim = (args) => simWith(maatBin, args);

/* ---- cases ---- */

const SGX_AT = 1752919277;           /* README: one second before the QE identity's nextUpdate */
const QE_NEXT_UPDATE = 1752919278;   /* 2025-07-19T10:01:18Z */
const TCB_ISSUE = 1750330571;        /* TCB info issueDate 2025-06-19T10:56:11Z (latest issue date) */
const SGX_EXPECT = { kind: 'agree-accept', status: 'ConfigurationAndSWHardeningNeeded',
                     advisories: ['INTEL-SA-00289', 'INTEL-SA-00615'] };
const cases = [];
const sgx = (name, at, expect, collateral) =>
    cases.push({ group: 'real', name, quote: V('sgx_quote'), collateral: collateral || V('sgx_quote_collateral.json'), at, expect });

sgx('sgx_quote @ README time', SGX_AT, SGX_EXPECT);
sgx('sgx_quote @ QE identity nextUpdate', QE_NEXT_UPDATE, SGX_EXPECT);
sgx('sgx_quote @ nextUpdate+1', QE_NEXT_UPDATE + 1,
    { kind: 'agree-reject', maat: /^collateral_time: QE identity expired/, peer: /QE Identity expired/ });
sgx('sgx_quote @ +1 h (TCB info expired too)', 1752922900,
    { kind: 'agree-reject', maat: /TCB info expired/, peer: /TCBInfo expired/ });
sgx('sgx_quote @ TCB info issueDate', TCB_ISSUE, SGX_EXPECT);
sgx('sgx_quote @ TCB info issueDate-1', TCB_ISSUE - 1,
    { kind: 'agree-reject', maat: /TCB info is not yet valid/, peer: /TCBInfo issue date is in the future/ });

/* Collateral variants the peer accepts but Intel's rules reject. */
const coll = JSON.parse(fs.readFileSync(V('sgx_quote_collateral.json'), 'utf8'));
function variant(file, mutate) {
    const c = JSON.parse(JSON.stringify(coll));
    mutate(c);
    fs.writeFileSync(W(file), JSON.stringify(c));
    return W(file);
}
const flipLastByte = (hex) => hex.slice(0, -2) + ((parseInt(hex.slice(-2), 16) ^ 1).toString(16).padStart(2, '0'));
cases.push({ group: 'laxer', name: 'PCK CRL signature corrupted', quote: V('sgx_quote'), at: SGX_AT,
             collateral: variant('bad_pck_crl_sig.json', (c) => { c.pck_crl = flipLastByte(c.pck_crl); }),
             expect: { kind: 'intel-stricter', maat: /PCK CRL: signature does not verify/ } });
cases.push({ group: 'laxer', name: 'Root CA CRL signature corrupted', quote: V('sgx_quote'), at: SGX_AT,
             collateral: variant('bad_root_crl_sig.json', (c) => { c.root_ca_crl = flipLastByte(c.root_ca_crl); }),
             expect: { kind: 'intel-stricter', maat: /Root CA CRL: signature does not verify/ } });
{
    /* The TDX vector's PCK CRL (Platform CA, validly signed, its own nextUpdate
     * 2025-07-19T10:00:35Z) with its issuer chain, for a quote whose PCK the Processor
     * CA issued. */
    const tdx = JSON.parse(fs.readFileSync(V('tdx_quote_collateral.json'), 'utf8'));
    cases.push({ group: 'laxer', name: 'PCK CRL of the other CA (Platform CA)', quote: V('sgx_quote'), at: SGX_AT,
                 collateral: variant('other_ca_pck_crl.json', (c) => {
                     c.pck_crl = tdx.pck_crl;
                     c.pck_crl_issuer_chain = tdx.pck_crl_issuer_chain;
                 }),
                 expect: { kind: 'intel-stricter', maat: /^revocation: the PCK CRL is issued by "Intel SGX PCK Platform CA"/ } });
}

/* The simulated platform. */
const SIM_T0 = 1752919277;          /* sim init --at: issue dates and certificate notBefore */
const SIM_AT = SIM_T0 + 3600;       /* verification time */
const simDir = W('sim');
let simNote = '', simSkipped = false;
const simHelp = spawnSync(maatBin, ['sim', '--help'], { encoding: 'utf8' });
try {
    if (simHelp.status !== 0) {
        simSkipped = true;
        throw new Error(`\`maat sim --help\` exits ${simHelp.status}: simulator not available in this build`);
    }
    fs.rmSync(simDir, { recursive: true, force: true });
    sim(['init', simDir, '--at', String(SIM_T0)]);
    const plat = JSON.parse(fs.readFileSync(path.join(simDir, 'platform.json'), 'utf8'));
    const qeSvn = plat.qe_svn;
    const root = path.join(simDir, 'root-ca.pem');
    const simColl = path.join(simDir, 'collateral.json');
    const sq = (name, args, expect, extra = {}) => {
        const file = W(`sim_${cases.length}.quote`);
        sim(['quote', simDir, '-o', file, ...args]);
        cases.push({ group: 'sim', name, quote: file, collateral: simColl, at: SIM_AT, trustRoot: root, expect, ...extra });
    };
    for (const st of ['UpToDate', 'SWHardeningNeeded', 'ConfigurationNeeded', 'ConfigurationAndSWHardeningNeeded',
                      'OutOfDate', 'OutOfDateConfigurationNeeded'])
        sq(`sim --tcb ${st}`, ['--tcb', st], { kind: 'agree-accept', status: st });
    sq('sim --tcb Revoked', ['--tcb', 'Revoked'],
       { kind: 'agree-reject', maatStatus: 'Revoked', peer: /TCB status is invalid: Revoked/ });
    sq(`sim QE OutOfDate (svn ${qeSvn - 2}), platform UpToDate`, ['--qe-svn', String(qeSvn - 2)],
       { kind: 'agree-accept', status: 'OutOfDate' });
    sq('sim QE OutOfDate, platform SWHardeningNeeded', ['--qe-svn', String(qeSvn - 2), '--tcb', 'SWHardeningNeeded'],
       { kind: 'agree-accept', status: 'OutOfDate' });
    sq('sim QE OutOfDate, platform OutOfDateConfigurationNeeded',
       ['--qe-svn', String(qeSvn - 2), '--tcb', 'OutOfDateConfigurationNeeded'],
       { kind: 'agree-accept', status: 'OutOfDateConfigurationNeeded' });
    sq('sim QE OutOfDate, platform ConfigurationNeeded', ['--qe-svn', String(qeSvn - 2), '--tcb', 'ConfigurationNeeded'],
       { kind: 'intel-status', status: 'OutOfDateConfigurationNeeded' });
    sq('sim QE OutOfDate, platform ConfigurationAndSWHardeningNeeded',
       ['--qe-svn', String(qeSvn - 2), '--tcb', 'ConfigurationAndSWHardeningNeeded'],
       { kind: 'intel-status', status: 'OutOfDateConfigurationNeeded' });
    sq(`sim QE Revoked (svn ${qeSvn - 4})`, ['--qe-svn', String(qeSvn - 4)],
       { kind: 'agree-reject', maatStatus: 'Revoked', peer: /Revoked/ });
    sq('sim revoked PCK certificate', ['--revoked-pck'],
       { kind: 'agree-reject', maat: /^revocation: PCK certificate .* is revoked/, peer: /revoked/ });
    sq('sim PCK of another FMSPC', ['--fmspc', '00906ED50001'],
       { kind: 'agree-reject', maat: /^tcb_info: no TCB info for FMSPC 00906ed50001/i, peer: /Fmspc mismatch/ });
    sq('sim Platform CA PCK + its collateral', ['--pck-ca', 'platform', '--sgx-type', '1'],
       { kind: 'agree-accept', status: 'UpToDate' },
       { collateral: path.join(simDir, 'collateral-platform.json') });
    sq('sim quote, sim root NOT trusted', [],
       { kind: 'agree-reject', maat: /trust|root/i, peer: /certificate chain|signature/i }, { trustRoot: null });
    sq('sim quote @ collateral nextUpdate+1', [],
       { kind: 'agree-reject', maat: /^collateral_time: .*expired/, peer: /expired/ }, { at: plat.next_update + 1 });
    sq('sim ISV enclave with DEBUG attribute', ['--debug'], { kind: 'peer-stricter', status: 'UpToDate' });
    sq('sim SGX quote v4', ['--quote-version', '4'], { kind: 'peer-stricter', status: 'UpToDate' });

    /* CRL dates: re-issue the sim's PCK Processor CRL (its real CA key) with a nextUpdate
     * before the verification time; TCB info and QE identity stay fresh. */
    if (spawnSync('openssl', ['version']).status !== 0) {
        simSkipped = true;
        throw new Error('no openssl command: the CRL-date cases need `openssl ca -gencrl`');
    }
    const crlDir = W('crl');
    fs.rmSync(crlDir, { recursive: true, force: true });
    fs.mkdirSync(crlDir);
    fs.writeFileSync(path.join(crlDir, 'index.txt'), '');
    fs.writeFileSync(path.join(crlDir, 'ca.cnf'),
                     `[ca]\ndefault_ca = sim\n[sim]\ndatabase = ${path.join(crlDir, 'index.txt')}\ndefault_md = sha256\n`);
    const gmt = (t) => new Date(t * 1000).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
    const crlDays = (first, next, file) => {
        const pem = path.join(crlDir, `${file}.pem`);
        const o = spawnSync('openssl', ['ca', '-config', path.join(crlDir, 'ca.cnf'), '-gencrl', '-batch',
                                         '-keyfile', path.join(simDir, 'keys', 'pck-processor-ca.key'),
                                         '-cert', path.join(simDir, 'certs', 'pck-processor-ca.pem'),
                                         '-crl_lastupdate', gmt(first), '-crl_nextupdate', gmt(next), '-out', pem],
                            { encoding: 'utf8' });
        if (o.status !== 0) throw new Error(`openssl ca -gencrl: ${o.error ? o.error.message : o.stderr}`);
        const d = spawnSync('openssl', ['crl', '-in', pem, '-outform', 'DER']);
        if (d.status !== 0) throw new Error('openssl crl -outform DER failed');
        const c = JSON.parse(fs.readFileSync(simColl, 'utf8'));
        c.pck_crl = d.stdout.toString('hex');
        fs.writeFileSync(W(`${file}.json`), JSON.stringify(c));
        return W(`${file}.json`);
    };
    const upToDate = cases.find((c) => c.name === 'sim --tcb UpToDate').quote;
    cases.push({ group: 'laxer', name: 'sim: PCK CRL past its nextUpdate', quote: upToDate, trustRoot: root, at: SIM_AT,
                 collateral: crlDays(SIM_T0 - 60, SIM_AT - 1, 'crl_expired'),
                 expect: { kind: 'intel-stricter', maat: /^collateral_time: PCK CRL expired/ } });
    cases.push({ group: 'laxer', name: 'sim: PCK CRL thisUpdate in the future', quote: upToDate, trustRoot: root, at: SIM_AT,
                 collateral: crlDays(SIM_AT + 60, SIM_AT + 86400, 'crl_future'),
                 expect: { kind: 'intel-stricter', maat: /^collateral_time: PCK CRL is not yet valid/ } });
} catch (e) {
    simNote = simSkipped ? `SIM CASES SKIPPED: ${e.message}` : `SIM CASES FAILED: ${e.message}`;
}

/* TDX: information only. */
cases.push({ group: 'tdx', name: 'tdx_quote (v4) @ README time', quote: V('tdx_quote'),
             collateral: V('tdx_quote_collateral.json'), at: 1752919234, expect: { kind: 'info' } });
cases.push({ group: 'tdx', name: 'tdx_quote_outdated (v5) @ README time', quote: V('tdx_quote_outdated'),
             collateral: V('tdx_quote_outdated_collateral.json'), at: 1774003274, expect: { kind: 'info' } });

/* ---- run and print ---- */

const rows = [];
let failures = 0;
for (const c of cases) {
    const m = runMaat(maatBin, c);
    const p = runPeer(c);
    const [verdict, problems] = judge(c, m, p);
    if (problems.length) failures++;
    rows.push({ c, m, p, verdict, problems });
}

const W1 = 52, W2 = 58, W3 = 58;
const fit = (s, w) => (s.length > w ? s.slice(0, w - 1) + '…' : s.padEnd(w));
console.log(`maat ${maatBin} vs @phala/dcap-qvl ${peerVersion} (node ${process.version})`);
console.log(`${fit('case', W1)} ${fit('maat verify', W2)} ${fit('@phala/dcap-qvl', W3)} verdict`);
console.log('-'.repeat(W1 + W2 + W3 + 30));
let group = '';
for (const r of rows) {
    if (r.c.group !== group) {
        group = r.c.group;
        const title = { real: 'real SGX vector (dcap-qvl/sgx_quote)',
                        laxer: 'CRL cases: the peer is laxer than Intel (maat must reject)',
                        sim: `simulated platform (maat sim, root trusted by both; verify at ${SIM_AT})`,
                        tdx: 'TDX vectors: information only (asserted in dcap_qvl_tdx_compare.mjs)' }[group];
        console.log(`## ${title}`);
    }
    console.log(`${fit(`${r.c.name} [${r.c.at}]`, W1)} ${fit(cell(r.m), W2)} ${fit(cell(r.p), W3)} ${r.verdict}`);
}
console.log('-'.repeat(W1 + W2 + W3 + 30));
if (simNote) console.log(`*** ${simNote}`);

console.log('\nfull reasons:');
for (const r of rows) {
    if (r.m.accepted && r.p.accepted && !r.problems.length) continue;
    console.log(`- ${r.c.name}`);
    console.log(`    maat: ${cell(r.m)}`);
    console.log(`    peer: ${cell(r.p)}`);
    for (const pr of r.problems) console.log(`    PROBLEM: ${pr}`);
}
const sgxRows = rows.filter((r) => r.c.group !== 'tdx');
console.log(`\n${sgxRows.length} SGX comparisons, ${failures} failed; ` +
            `${rows.length - sgxRows.length} TDX cases for information${simNote ? `; ${simNote}` : ''}`);
process.exit(failures || (simNote && !simSkipped) ? 1 : 0);
