/*
 * dcap_qvl_lib.mjs - what the two comparisons with @phala/dcap-qvl share
 * (dcap_qvl_compare.mjs for SGX, dcap_qvl_tdx_compare.mjs for TDX): the environment,
 * running `maat verify --json` and the peer on one case, judging the pair against the
 * case's expectation, and `maat sim`.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const qvl = require('@phala/dcap-qvl');
export const peerVersion = require('@phala/dcap-qvl/package.json').version;

/* MAAT_BIN, MAAT_VECTORS and the work directory (argv[2]); exits 2 naming the script
 * when one is missing. V(f): a dcap-qvl vector, W(f): a file in the work directory. */
export function setup(script) {
    const work = process.argv[2];
    const vectors = process.env.MAAT_VECTORS;
    if (!work || !process.env.MAAT_BIN || !vectors) {
        console.error(`usage: MAAT_BIN=DIR MAAT_VECTORS=DIR node ${script} WORKDIR`);
        process.exit(2);
    }
    fs.mkdirSync(work, { recursive: true });
    return {
        work,
        vectors,
        maatBin: path.join(process.env.MAAT_BIN, 'maat'),
        V: (f) => path.join(vectors, 'dcap-qvl', f),
        W: (f) => path.join(work, f),
    };
}

/* ---- the two verifiers ---- */

/* opts.mergeQeAdvisories: compare the union of advisory_ids and qe_advisory_ids (what the
 * peer reports for SGX) rather than advisory_ids alone. */
export function runMaat(maatBin, c, opts = { mergeQeAdvisories: true }) {
    const args = ['verify', c.quote, '--collateral', c.collateral, '--at', String(c.at), '--json'];
    if (c.trustRoot) args.push('--trust-root', c.trustRoot);
    const p = spawnSync(maatBin, args, { encoding: 'utf8' });
    const r = { exit: p.status, json: null, stderr: (p.stderr || '').trim() };
    try {
        r.json = JSON.parse(p.stdout);
    } catch {
        r.json = null;
    }
    if (r.json) {
        r.accepted = r.json.verified === true && r.json.status !== 'Revoked';
        r.status = r.json.status;
        /* maat reports the TCB level's advisories as Intel does (advisory_ids) and the QE
         * identity's apart (qe_advisory_ids); the peer merges both into one list. */
        r.advisories = opts.mergeQeAdvisories
            ? [...new Set([...(r.json.advisory_ids || []), ...(r.json.qe_advisory_ids || [])])]
            : [...(r.json.advisory_ids || [])];
        r.reason = r.json.verified
            ? (r.json.status === 'Revoked' ? 'status Revoked' : '')
            : `${r.json.failed_step}: ${r.json.reason}`;
    } else {
        /* Collateral that fails verification (bad CRL signature, untrusted root) stops
         * before a verdict: exit 1 and the reason on stderr. */
        r.accepted = false;
        r.reason = r.stderr.replace(/^maat verify: /, '') || `exit ${p.status}, no output`;
    }
    if (p.error) r.reason = `cannot run ${maatBin}: ${p.error.message}`;
    return r;
}

function errorChain(e) {
    let msg = e && e.message ? e.message : String(e);
    for (let c = e && e.cause; c; c = c.cause) msg += `: ${c.message || c}`;
    return msg;
}

export function runPeer(c) {
    const quote = new Uint8Array(fs.readFileSync(c.quote));
    const collateral = JSON.parse(fs.readFileSync(c.collateral, 'utf8'));
    try {
        let res;
        if (c.trustRoot) {
            const der = new crypto.X509Certificate(fs.readFileSync(c.trustRoot)).raw;
            res = qvl.QuoteVerifier.newWithRootCa(Buffer.from(der)).verify(quote, collateral, c.at);
        } else {
            res = qvl.verify(quote, collateral, c.at);
        }
        return { accepted: true, status: res.status, advisories: [...(res.advisory_ids || [])], reason: '' };
    } catch (e) {
        return { accepted: false, reason: errorChain(e) };
    }
}

/* ---- judging ---- */

export const setEq = (a, b) => a.length === b.length && [...a].sort().join() === [...b].sort().join();
export const advStr = (a) => (a && a.length ? a.map((s) => s.replace(/^INTEL-/, '')).join(',') : '-');

/* Returns [verdict, problems[]] for maat's result m and the peer's p on case c. */
export function judge(c, m, p) {
    const bad = [];
    const e = c.expect;
    const maatReason = (re) => {
        if (re && !re.test(m.reason)) bad.push(`maat reason "${m.reason}" does not match ${re}`);
    };
    const peerReason = (re) => {
        if (re && !p.accepted && !re.test(p.reason)) bad.push(`peer reason "${p.reason}" does not match ${re}`);
    };
    switch (e.kind) {
    case 'agree-accept':
        if (!m.accepted) bad.push(`maat rejected: ${m.reason}`);
        if (!p.accepted) bad.push(`peer rejected: ${p.reason}`);
        if (m.accepted && p.accepted) {
            if (m.status !== p.status) bad.push(`status differs: maat ${m.status}, peer ${p.status}`);
            if (!setEq(m.advisories, p.advisories))
                bad.push(`advisory IDs differ: maat [${m.advisories}], peer [${p.advisories}]`);
        }
        if (e.status && m.status !== e.status) bad.push(`maat status ${m.status}, expected ${e.status}`);
        if (e.advisories && m.accepted && !setEq(m.advisories, e.advisories))
            bad.push(`maat advisories [${m.advisories}], expected [${e.advisories}]`);
        return [bad.length ? 'MISMATCH' : 'AGREE', bad];
    case 'agree-reject':
        if (m.accepted) bad.push(`maat accepted (${m.status})`);
        if (p.accepted) bad.push(`peer accepted (${p.status})`);
        if (!m.accepted) maatReason(e.maat);
        if (!p.accepted) peerReason(e.peer);
        if (e.maatStatus && m.status !== e.maatStatus) bad.push(`maat status ${m.status}, expected ${e.maatStatus}`);
        return [bad.length ? 'MISMATCH' : 'AGREE (reject)', bad];
    case 'intel-stricter': /* the peer is laxer than Intel: maat must reject */
        if (m.accepted) bad.push(`maat accepted (${m.status}); Intel's QVL rejects`);
        else maatReason(e.maat);
        if (bad.length) return ['FAIL', bad];
        return [p.accepted ? 'MAAT=INTEL, peer laxer' : 'AGREE (peer now rejects too)', bad];
    case 'intel-status': /* the peer combines statuses differently: maat must give Intel's */
        if (!m.accepted) bad.push(`maat rejected: ${m.reason}`);
        else if (m.status !== e.status) bad.push(`maat status ${m.status}, Intel's is ${e.status}`);
        if (bad.length) return ['FAIL', bad];
        if (p.accepted && p.status === m.status) return ['AGREE (peer now follows Intel)', bad];
        return ['MAAT=INTEL, peer differs', bad];
    case 'peer-stricter': /* the peer applies a policy Intel's QVL leaves to the verifier */
        if (!m.accepted) bad.push(`maat rejected: ${m.reason}`);
        else if (e.status && m.status !== e.status) bad.push(`maat status ${m.status}, expected ${e.status}`);
        if (bad.length) return ['FAIL', bad];
        return [p.accepted ? 'AGREE' : 'MAAT=INTEL, peer stricter', bad];
    case 'info':
        return ['INFO', bad];
    default:
        return ['FAIL', [`unknown expectation ${e.kind}`]];
    }
}

export function cell(r) {
    if (r.accepted) return `OK ${r.status} [${advStr(r.advisories)}]`;
    return `REJECT ${r.reason}`;
}

/* `maat sim ARGS...`; throws with maat's message when it fails. */
export function sim(maatBin, args) {
    const p = spawnSync(maatBin, ['sim', ...args], { encoding: 'utf8' });
    if (p.status !== 0) throw new Error(`maat sim ${args.join(' ')}: exit ${p.status}: ${(p.stderr || '').trim()}`);
}
