#!/usr/bin/env node
/*
 * dcap_qvl_tdx_compare.mjs - `maat verify --json` side by side with the npm peer
 * @phala/dcap-qvl on TD quotes: the real TDX vectors (dcap-qvl tdx_quote and
 * tdx_quote_outdated at their README times) and the simulated platform's TD quotes
 * (`maat sim quote --tee tdx`, root trusted by both). Where the peer differs from
 * Intel's QVL rules (shared/spec/tdx.md §12, docs/compat.md "TDX"), maat must give
 * Intel's answer and the row says so: the peer does not check the TDX module identity
 * (MRSIGNERSEAM, SEAMATTRIBUTES, unknown TDX_nn, module TCB status) and has no TD
 * relaunch statuses.
 *
 * usage: MAAT_BIN=DIR MAAT_VECTORS=DIR node dcap_qvl_tdx_compare.mjs WORKDIR
 * Exit 0 all expectations met, 1 otherwise.
 */
import fs from 'node:fs';
import path from 'node:path';

import { cell, judge, peerVersion, runMaat, runPeer, setup, sim as simWith } from './dcap_qvl_lib.mjs';

const { maatBin, V, W } = setup('dcap_qvl_tdx_compare.mjs');
const sim = (args) => simWith(maatBin, args);

const cases = [];
/* Real vectors (README times). */
cases.push({ group: 'real', name: 'tdx_quote (v4) @ README time', quote: V('tdx_quote'),
             collateral: V('tdx_quote_collateral.json'), at: 1752919234,
             expect: { kind: 'agree-accept', status: 'UpToDate' } });
cases.push({ group: 'real', name: 'tdx_quote @ PCK CRL nextUpdate+1', quote: V('tdx_quote'),
             collateral: V('tdx_quote_collateral.json'), at: 1752919236,
             expect: { kind: 'intel-stricter', maat: /^collateral_time: .*PCK CRL expired/ } });
cases.push({ group: 'real', name: 'tdx_quote_outdated (v5) @ README time', quote: V('tdx_quote_outdated'),
             collateral: V('tdx_quote_outdated_collateral.json'), at: 1774003274,
             expect: { kind: 'agree-reject', maat: /^tcb_info: TCB not supported/, peer: /No matching TCB level/ } });

/* The simulated platform's TD quotes. */
const SIM_T0 = 1752919277, SIM_AT = SIM_T0 + 3600;
const simDir = W('sim');
let simNote = '';
try {
    fs.rmSync(simDir, { recursive: true, force: true });
    sim(['init', simDir, '--at', String(SIM_T0)]);
    const root = path.join(simDir, 'root-ca.pem');
    const tdxColl = path.join(simDir, 'collateral-tdx.json');
    const sgxColl = path.join(simDir, 'collateral.json');
    const sq = (name, args, expect, extra = {}) => {
        const file = W(`tdx_${cases.length}.quote`);
        sim(['quote', simDir, '-o', file, ...args]);
        cases.push({ group: 'sim', name, quote: file, collateral: tdxColl, at: SIM_AT, trustRoot: root, expect, ...extra });
    };
    const td = (name, args, expect, extra) => sq(name, ['--tee', 'tdx', ...args], expect, extra);
    for (const st of ['UpToDate', 'SWHardeningNeeded', 'ConfigurationNeeded', 'ConfigurationAndSWHardeningNeeded',
                      'OutOfDate', 'OutOfDateConfigurationNeeded'])
        td(`--tdx-tcb ${st}`, ['--tdx-tcb', st], { kind: 'agree-accept', status: st });
    td('--tdx-tcb Revoked', ['--tdx-tcb', 'Revoked'], { kind: 'agree-reject', maat: /^status: TCB status Revoked/, peer: /Revoked/ });
    td('PCK --tcb OutOfDate', ['--tcb', 'OutOfDate'], { kind: 'agree-accept', status: 'OutOfDate' });
    td('TD report 1.5 (v5)', ['--td-version', '1.5'], { kind: 'agree-accept', status: 'UpToDate' });
    td('module version 0 (tdxModule)', ['--module-version', '0'], { kind: 'agree-accept', status: 'UpToDate' });
    td('module TDX_03', ['--module-version', '3'], { kind: 'agree-accept', status: 'UpToDate' });
    td('module SVN below every level', ['--module-svn', '0'],
       { kind: 'agree-reject', maat: /^tcb_info: TCB not supported/, peer: /No matching TCB level/ });
    td('TD QE identity mismatch (QE isvprodid 1)', ['--qe-prod-id', '1'],
       { kind: 'agree-reject', maat: /^qe_identity:/, peer: /ISVPRODID mismatch/ });
    td('TD quote, SGX collateral', [], { kind: 'agree-reject', maat: /^tcb_info: TCB info is SGX/, peer: /QE Identity/ },
       { collateral: sgxColl });
    sq('SGX quote, TDX collateral', [], { kind: 'agree-reject', peer: /QE Identity/ });
    /* maat's appraisal defaults = the peer's validate_td10 / validate_td15 */
    td('DEBUG TD', ['--debug'], { kind: 'agree-reject', maat: /^status: .*DEBUG/, peer: /Debug/ });
    td('reserved TD attribute bit 29', ['--td-attributes', '0000003000000000'],
       { kind: 'agree-reject', maat: /^status: .*reserved/, peer: /Reserved bits/ });
    td('SEPT_VE_DISABLE clear', ['--td-attributes', '0000000000000000'],
       { kind: 'agree-reject', maat: /^status: .*SEPT_VE_DISABLE/, peer: /SEPT_VE_DISABLE/ });
    td('MRSERVICETD non-zero', ['--td-version', '1.5', '--mrservicetd', 'ab'.repeat(48)],
       { kind: 'agree-reject', maat: /^status: .*MRSERVICETD/, peer: /service td/i });
    /* where the peer differs from Intel's QVL: maat gives Intel's answer */
    td('module TCB OutOfDate (TDX_01 svn 2)', ['--module-tcb', 'OutOfDate'], { kind: 'intel-status', status: 'OutOfDate' });
    /* both reject, for different reasons: Intel (maat) says module Revoked; the peer
     * compares TEE_TCB_SVN[0] with tdxtcbcomponents[0] and finds no level */
    td('module TCB Revoked (TDX_01 svn 1)', ['--module-tcb', 'Revoked'],
       { kind: 'agree-reject', maat: /^status: TCB status Revoked \(platform UpToDate, module Revoked/, peer: /No matching TCB level/ });
    td('unknown module version TDX_07', ['--module-version', '7'], { kind: 'intel-stricter', maat: /^tcb_info: .*TDX_07/ });
    td('MRSIGNERSEAM wrong', ['--mrsignerseam', '11'.repeat(48)], { kind: 'intel-stricter', maat: /^tcb_info: .*MRSIGNERSEAM/ });
    td('SEAMATTRIBUTES non-zero', ['--seam-attributes', '0100000000000000'], { kind: 'intel-stricter', maat: /^tcb_info: .*SEAMATTRIBUTES/ });
    td('TDRelaunchAdvised (TD 1.5)', ['--td-version', '1.5', '--tdx-tcb', 'TDRelaunchAdvised'],
       { kind: 'intel-status', status: 'TDRelaunchAdvised' });
    td('TDRelaunchAdvisedConfigurationNeeded', ['--td-version', '1.5', '--tdx-tcb', 'TDRelaunchAdvisedConfigurationNeeded'],
       { kind: 'intel-status', status: 'TDRelaunchAdvisedConfigurationNeeded' });
} catch (e) {
    simNote = `SIM CASES FAILED: ${e.message}`;
}

const rows = [];
let failures = 0;
for (const c of cases) {
    const m = runMaat(maatBin, c, { mergeQeAdvisories: false });
    const p = runPeer(c);
    const [verdict, problems] = judge(c, m, p);
    if (problems.length) failures++;
    rows.push({ c, m, p, verdict, problems });
}
const fit = (s, w) => (s.length > w ? s.slice(0, w - 1) + '…' : s.padEnd(w));
console.log(`TDX: maat ${maatBin} vs @phala/dcap-qvl ${peerVersion} (node ${process.version})`);
let group = '';
for (const r of rows) {
    if (r.c.group !== group) {
        group = r.c.group;
        console.log(`## ${group === 'real' ? 'real TDX vectors (dcap-qvl)' : `simulated TD quotes (verify at ${SIM_AT})`}`);
    }
    console.log(`${fit(r.c.name, 44)} ${fit(cell(r.m), 54)} ${fit(cell(r.p), 50)} ${r.verdict}`);
}
if (simNote) console.log(`*** ${simNote}`);
console.log('\nfull reasons:');
for (const r of rows) {
    if (r.m.accepted && r.p.accepted && !r.problems.length) continue;
    console.log(`- ${r.c.name}\n    maat: ${cell(r.m)}\n    peer: ${cell(r.p)}`);
    for (const pr of r.problems) console.log(`    PROBLEM: ${pr}`);
}
console.log(`\n${rows.length} TDX comparisons, ${failures} failed${simNote ? `; ${simNote}` : ''}`);
process.exit(failures || simNote ? 1 : 0);
