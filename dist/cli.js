#!/usr/bin/env node
import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);
import{a as T}from"./chunks/chunk-RV3N3UDR.js";import{a as w,c as C}from"./chunks/chunk-MRJXLWYE.js";import{f as A,g as O,i as N,k as j,l as S,m as x,r as I}from"./chunks/chunk-T5RJYSYM.js";import{a as R,b as E}from"./chunks/chunk-J6GWQ3Y3.js";import"./chunks/chunk-LA2YUJMN.js";import"./chunks/chunk-LHNEDPY7.js";import"./chunks/chunk-XUQ36Z2K.js";import"./chunks/chunk-CE3E4QEN.js";import"./chunks/chunk-MOK57TAG.js";import{i as F}from"./chunks/chunk-P3Q7WJ7I.js";import"./chunks/chunk-G35BWJHM.js";import"./chunks/chunk-Y3OKWOWY.js";import{parseArgs as B}from"node:util";function k(r,t=Date.now){if(!r.isTTY)return{stop(){}};let o="",u=t(),n,d=()=>r.write(`\r\x1B[2K${o} ${Math.floor((t()-u)/1e3)}s`),g=()=>{n&&clearInterval(n),n=void 0,r.write("\r\x1B[2K")};return{onProgress(m){if(m.phase==="done")return g();o=U(m),u=t(),d(),n||(n=setInterval(d,500),n.unref())},stop:g}}function U(r){switch(r.phase){case"collect":return`reading ${r.source}${r.target?` (${r.target})`:""}\u2026`;case"evaluate":return`judging ${r.rules} rule(s)\u2026`;case"done":return"done"}}var D="cargo-redshift-guard-plan.json",y=["console","json","markdown","sarif","junit"],L=["audit","plan","apply"],Y={format:{type:"string",short:"f"},output:{type:"string",short:"o"},state:{type:"string"},verbose:{type:"boolean",short:"v"},"no-color":{type:"boolean"},help:{type:"boolean",short:"h"},version:{type:"boolean"}};function q(){let r=Math.max(...w.map(o=>o.name.length))+4,t=w.filter(o=>o.name!=="mode").map(o=>`  --${o.name.padEnd(r)}${o.description}${o.default?` (default: ${o.default})`:""}`).join(`
`);return`cargo-redshift-guard ${x}: audit an AWS account's setup for Cargo on Amazon Redshift.

Usage: cargo-redshift-guard [audit|plan|apply] [options]
       cargo-redshift-guard targets --targets FILE
       cargo-redshift-guard merge REPORT... [--format F] [--output FILE] [--fail-on S]

Commands:
  audit   read the account and judge every rule (default; read-only)
  plan    audit, then write the additive changes that would fix the rules named in --remediate
          to --plan-file (default ${D}) and a Markdown twin, and print it
  apply   with --plan-file: apply exactly that reviewed plan (refused if the account changed
          since); without: plan and apply in one go. Then audit again; the exit code is that
          audit's. Refused on pull_request / pull_request_target events.
  targets print the targets file's job matrix, {"include":[{"target":...}]}, for strategy.matrix
  merge   one fleet report (target x result) from per-target JSON reports; exit 1 when any
          target drifts (fail-on, fail-on-error), 2 when a report is unreadable or a target repeats
  With --targets FILE: --target NAME audits (plans, applies) that target; without --target,
  audit runs every target side by side (at most --max-targets-in-flight at once).

Options:
  -f, --format <${y.join("|")}>  what to print (default: console)
  -o, --output <file>     write the formatted report to a file instead of stdout
      --state <file>      same as --state-file: judge a saved account state, read no AWS
  -v, --verbose           show details for passing rules too
      --no-color          no colour even on a terminal (NO_COLOR is honoured too)
  -h, --help              this help
      --version           the version

Inputs (the same names as the GitHub Action's inputs and the config file's keys):
${t}

Exit codes: 0 no drift at or above fail-on (plan: the plan was written), 1 drift or a rule that
could not be checked (apply: after the changes, or a change failed), 2 usage or configuration
error, or apply refused (stale plan, pull-request event): nothing was changed, 3 unexpected failure.
AWS credentials, region and endpoints come from the usual chain (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL_<SERVICE>, ...).
`}function _(r,t,o,u){return t==="json"?A(r):t==="markdown"?F(r):t==="sarif"?JSON.stringify(N(r,{ruleSetRoot:process.cwd()}),null,2)+`
`:t==="junit"?O(r):T(r,{color:o,verbose:u})}async function J(r,t={stdout:process.stdout,stderr:process.stderr}){let o={...Y};for(let e of w)e.only!=="action"&&e.name!=="mode"&&(o[e.name]={type:"string"});let u;try{u=B({args:r,options:o,allowPositionals:!0,strict:!0})}catch(e){return t.stderr.write(`error: ${e.message}
Run with --help for usage.
`),2}let{values:n,positionals:d}=u;if(n.help)return t.stdout.write(q()),0;if(n.version)return t.stdout.write(`${x}
`),0;let g;if(["targets","merge"].includes(d[0]??"")||["targets","target","max-targets-in-flight"].some(e=>typeof n[e]=="string")){let e=n.format??"console";if(!y.includes(e))return t.stderr.write(`error: --format '${String(e)}' is not one of ${y.join(", ")}
`),2;let p=!!t.stdout.isTTY&&!n["no-color"]&&!process.env.NO_COLOR;try{let{runFleetCli:f}=await import("./chunks/cli-5W6LYJ66.js"),l=await f(d,n,t,{format:e,color:p});if(l&&"exitCode"in l)return l.exitCode;g=l?.config}catch(f){return W(f,t)}}let m=d[0]??"audit";if(!L.includes(m)||d.length>1)return t.stderr.write(`error: unknown command '${d.join(" ")}'; expected one of ${L.join(", ")}
`),2;let h=n.format??"console";if(!y.includes(h))return t.stderr.write(`error: --format '${String(h)}' is not one of ${y.join(", ")}
`),2;let $={mode:{value:m,where:{input:"mode"}}};for(let e of w){let p=n[e.name];typeof p=="string"&&($[e.name]={value:p,where:{input:`--${e.name}`}})}typeof n.state=="string"&&($["state-file"]={value:n.state,where:{input:"--state"}});try{let e=g??C($),p=!!t.stdout.isTTY&&!n["no-color"]&&!process.env.NO_COLOR,f=c=>{typeof n.output=="string"?j(n.output,c):t.stdout.write(c)},l=$["report-path"]?{reportPath:e.params.reportPath}:{};if(e.params.mode==="plan"){let{runPlan:c}=await import("./chunks/command-AL4XZM3Y.js"),s=await c(e);return f(h==="json"?JSON.stringify(s.plan,null,2)+`
`:s.markdown),t.stderr.write(`plan written to ${s.planPath} and ${s.markdownPath}: ${s.plan.steps.length} change(s), ${s.plan.manual.length} left to a person
`),S(e,s.audit,l),s.exitCode}if(e.params.mode==="apply"){let{runApply:c}=await import("./chunks/command-AL4XZM3Y.js"),{describeEvent:s}=await import("./chunks/apply-OE5QOZMW.js"),{renderPlanMarkdown:M}=await import("./chunks/markdown-D3UYOPBL.js"),P=!1,i=await c(e,{onPlan:a=>{e.params.planFile||t.stderr.write(M(a))},onEvent:a=>{!P&&a.kind==="start"&&(P=!0,t.stderr.write(`applying ${a.total} change(s)
`)),t.stderr.write(s(a)+`
`)}});if(i.refused)return t.stderr.write(`error: ${i.refused}
`),i.exitCode;if(i.result){let a=i.result;t.stderr.write(`${a.changes} change(s) made, ${a.done.length-a.changes} already in place`+(a.failed?`; stopped at ${a.failed.step.id} (${a.notRun.length} not run: apply again once it is fixed)`:"")+`
`)}return i.after&&(f(_(i.after.report,h,p,!!n.verbose)),S(e,i.after,l)),i.exitCode}let v=k(t.stderr),b=await I(e,v.onProgress?{onProgress:v.onProgress}:{}).finally(()=>v.stop());return f(_(b.report,h,p,!!n.verbose)),S(e,b,l),b.exitCode}catch(e){return W(e,t)}}function W(r,t){if(r instanceof E){for(let o of r.problems)t.stderr.write(`error: ${R(o.where)}: ${o.message}
`);return t.stderr.write(`Nothing was read or changed. Run with --help for usage.
`),2}return t.stderr.write(`cargo-redshift-guard failed unexpectedly: ${r instanceof Error?r.stack??r.message:String(r)}
`),3}process.exitCode=await J(process.argv.slice(2));
