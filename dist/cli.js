#!/usr/bin/env node
import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);
import{a as m,b as x,c as T}from"./chunks/chunk-QX2XI537.js";import{f as E,g as j,h as O,i as C,j as h,k as S,o as k}from"./chunks/chunk-O7JOXJ7B.js";import{a as R,b as A}from"./chunks/chunk-J6GWQ3Y3.js";import"./chunks/chunk-LA2YUJMN.js";import"./chunks/chunk-LHNEDPY7.js";import"./chunks/chunk-XUQ36Z2K.js";import"./chunks/chunk-CE3E4QEN.js";import"./chunks/chunk-MOK57TAG.js";import{i as N}from"./chunks/chunk-P3Q7WJ7I.js";import"./chunks/chunk-G35BWJHM.js";import"./chunks/chunk-Y3OKWOWY.js";import{parseArgs as J}from"node:util";function I(r,e=Date.now){if(!r.isTTY)return{stop(){}};let o="",u=e(),n,l=()=>r.write(`\r\x1B[2K${o} ${Math.floor((e()-u)/1e3)}s`),c=()=>{n&&clearInterval(n),n=void 0,r.write("\r\x1B[2K")};return{onProgress(d){if(d.phase==="done")return c();o=W(d),u=e(),l(),n||(n=setInterval(l,500),n.unref())},stop:c}}function W(r){switch(r.phase){case"collect":return`reading ${r.source}${r.target?` (${r.target})`:""}\u2026`;case"evaluate":return`judging ${r.rules} rule(s)\u2026`;case"done":return"done"}}var U="cargo-redshift-guard-plan.json",b=["console","json","markdown","sarif","junit"],_=["audit","plan","apply"],D={format:{type:"string",short:"f"},output:{type:"string",short:"o"},state:{type:"string"},verbose:{type:"boolean",short:"v"},"no-color":{type:"boolean"},help:{type:"boolean",short:"h"},version:{type:"boolean"}};function q(){let r=Math.max(...m.map(o=>o.name.length))+4,e=m.filter(o=>o.name!=="mode").map(o=>`  --${o.name.padEnd(r)}${o.description}${o.default?` (default: ${o.default})`:""}`).join(`
`);return`cargo-redshift-guard ${S}: audit an AWS account's setup for Cargo on Amazon Redshift.

Usage: cargo-redshift-guard [audit|plan|apply] [options]

Commands:
  audit   read the account and judge every rule (default; read-only)
  plan    audit, then write the additive changes that would fix the rules named in --remediate
          to --plan-file (default ${U}) and a Markdown twin, and print it
  apply   with --plan-file: apply exactly that reviewed plan (refused if the account changed
          since); without: plan and apply in one go. Then audit again; the exit code is that
          audit's. Refused on pull_request / pull_request_target events.

Options:
  -f, --format <${b.join("|")}>  what to print (default: console)
  -o, --output <file>     write the formatted report to a file instead of stdout
      --state <file>      same as --state-file: judge a saved account state, read no AWS
  -v, --verbose           show details for passing rules too
      --no-color          no colour even on a terminal (NO_COLOR is honoured too)
  -h, --help              this help
      --version           the version

Inputs (the same names as the GitHub Action's inputs and the config file's keys):
${e}

Exit codes: 0 no drift at or above fail-on (plan: the plan was written), 1 drift or a rule that
could not be checked (apply: after the changes, or a change failed), 2 usage or configuration
error, or apply refused (stale plan, pull-request event): nothing was changed, 3 unexpected failure.
AWS credentials, region and endpoints come from the usual chain (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL_<SERVICE>, ...).
`}function F(r,e,o,u){return e==="json"?E(r):e==="markdown"?N(r):e==="sarif"?JSON.stringify(O(r,{ruleSetRoot:process.cwd()}),null,2)+`
`:e==="junit"?j(r):T(r,{color:o,verbose:u})}async function L(r,e={stdout:process.stdout,stderr:process.stderr}){let o={...D};for(let t of m)t.only!=="action"&&t.name!=="mode"&&(o[t.name]={type:"string"});let u;try{u=J({args:r,options:o,allowPositionals:!0,strict:!0})}catch(t){return e.stderr.write(`error: ${t.message}
Run with --help for usage.
`),2}let{values:n,positionals:l}=u;if(n.help)return e.stdout.write(q()),0;if(n.version)return e.stdout.write(`${S}
`),0;let c=l[0]??"audit";if(!_.includes(c)||l.length>1)return e.stderr.write(`error: unknown command '${l.join(" ")}'; expected one of ${_.join(", ")}
`),2;let d=n.format??"console";if(!b.includes(d))return e.stderr.write(`error: --format '${String(d)}' is not one of ${b.join(", ")}
`),2;let g={mode:{value:c,where:{input:"mode"}}};for(let t of m){let p=n[t.name];typeof p=="string"&&(g[t.name]={value:p,where:{input:`--${t.name}`}})}typeof n.state=="string"&&(g["state-file"]={value:n.state,where:{input:"--state"}});try{let t=x(g),p=!!e.stdout.isTTY&&!n["no-color"]&&!process.env.NO_COLOR,w=f=>{typeof n.output=="string"?C(n.output,f):e.stdout.write(f)},y=g["report-path"]?{reportPath:t.params.reportPath}:{};if(t.params.mode==="plan"){let{runPlan:f}=await import("./chunks/command-6X3SOLQN.js"),s=await f(t);return w(d==="json"?JSON.stringify(s.plan,null,2)+`
`:s.markdown),e.stderr.write(`plan written to ${s.planPath} and ${s.markdownPath}: ${s.plan.steps.length} change(s), ${s.plan.manual.length} left to a person
`),h(t,s.audit,y),s.exitCode}if(t.params.mode==="apply"){let{runApply:f}=await import("./chunks/command-6X3SOLQN.js"),{describeEvent:s}=await import("./chunks/apply-YPOQXFER.js"),{renderPlanMarkdown:M}=await import("./chunks/markdown-D3UYOPBL.js"),P=!1,i=await f(t,{onPlan:a=>{t.params.planFile||e.stderr.write(M(a))},onEvent:a=>{!P&&a.kind==="start"&&(P=!0,e.stderr.write(`applying ${a.total} change(s)
`)),e.stderr.write(s(a)+`
`)}});if(i.refused)return e.stderr.write(`error: ${i.refused}
`),i.exitCode;if(i.result){let a=i.result;e.stderr.write(`${a.changes} change(s) made, ${a.done.length-a.changes} already in place`+(a.failed?`; stopped at ${a.failed.step.id} (${a.notRun.length} not run: apply again once it is fixed)`:"")+`
`)}return i.after&&(w(F(i.after.report,d,p,!!n.verbose)),h(t,i.after,y)),i.exitCode}let $=I(e.stderr),v=await k(t,$.onProgress?{onProgress:$.onProgress}:{}).finally(()=>$.stop());return w(F(v.report,d,p,!!n.verbose)),h(t,v,y),v.exitCode}catch(t){if(t instanceof A){for(let p of t.problems)e.stderr.write(`error: ${R(p.where)}: ${p.message}
`);return e.stderr.write(`Nothing was read or changed. Run with --help for usage.
`),2}return e.stderr.write(`cargo-redshift-guard failed unexpectedly: ${t instanceof Error?t.stack??t.message:String(t)}
`),3}}process.exitCode=await L(process.argv.slice(2));
