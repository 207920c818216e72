#!/usr/bin/env node
import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);
import{a as u,b as x,c as k}from"./chunks/chunk-EM6OWH3J.js";import{a as C,b as O,c as j,d as E,e as h}from"./chunks/chunk-MWY7WWN5.js";import{d as N}from"./chunks/chunk-ANBGPY66.js";import{g as $,j as P}from"./chunks/chunk-37B6OWZO.js";import{a as R,b}from"./chunks/chunk-J6GWQ3Y3.js";import"./chunks/chunk-QHOE3PPT.js";import"./chunks/chunk-B3NLDT63.js";import"./chunks/chunk-RDLH5GMA.js";import"./chunks/chunk-Y3OKWOWY.js";import{parseArgs as T}from"node:util";var M="cargo-redshift-guard-plan.json",v=["console","json","markdown","sarif","junit"],_=["audit","plan","apply","doctor"],W={format:{type:"string",short:"f"},output:{type:"string",short:"o"},state:{type:"string"},verbose:{type:"boolean",short:"v"},"no-color":{type:"boolean"},help:{type:"boolean",short:"h"},version:{type:"boolean"}};function J(){let s=Math.max(...u.map(r=>r.name.length))+4,t=u.filter(r=>r.name!=="mode").map(r=>`  --${r.name.padEnd(s)}${r.description}${r.default?` (default: ${r.default})`:""}`).join(`
`);return`cargo-redshift-guard ${$}: audit an AWS account's setup for Cargo on Amazon Redshift.

Usage: cargo-redshift-guard [audit|plan|apply|doctor] [options]

Commands:
  audit   read the account and judge every rule (default; read-only)
  plan    audit, then write the additive changes that would fix the rules named in --remediate
          to --plan-file (default ${M}) and a Markdown twin, and print it
  apply   with --plan-file: apply exactly that reviewed plan (refused if the account changed
          since); without: plan and apply in one go. Then audit again; the exit code is that
          audit's. Refused on pull_request / pull_request_target events.
  doctor  try every read the enabled rules need (AWS calls and SQL statements) with these
          credentials; one line per read: ok, or refused with the IAM action or SQL GRANT to allow it

Options:
  -f, --format <${v.join("|")}>  what to print (default: console)
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
`}function F(s,t,r,c){return t==="json"?C(s):t==="markdown"?N(s):t==="sarif"?JSON.stringify(j(s,{ruleSetRoot:process.cwd()}),null,2)+`
`:t==="junit"?O(s):k(s,{color:r,verbose:c})}async function I(s,t={stdout:process.stdout,stderr:process.stderr}){let r={...W};for(let e of u)e.only!=="action"&&e.name!=="mode"&&(r[e.name]={type:"string"});let c;try{c=T({args:s,options:r,allowPositionals:!0,strict:!0})}catch(e){return t.stderr.write(`error: ${e.message}
Run with --help for usage.
`),2}let{values:a,positionals:g}=c;if(a.help)return t.stdout.write(J()),0;if(a.version)return t.stdout.write(`${$}
`),0;let S=g[0]??"audit";if(!_.includes(S)||g.length>1)return t.stderr.write(`error: unknown command '${g.join(" ")}'; expected one of ${_.join(", ")}
`),2;let l=a.format??"console";if(!v.includes(l))return t.stderr.write(`error: --format '${String(l)}' is not one of ${v.join(", ")}
`),2;let f={mode:{value:S,where:{input:"mode"}}};for(let e of u){let d=a[e.name];typeof d=="string"&&(f[e.name]={value:d,where:{input:`--${e.name}`}})}typeof a.state=="string"&&(f["state-file"]={value:a.state,where:{input:"--state"}});try{let e=x(f),d=!!t.stdout.isTTY&&!a["no-color"]&&!process.env.NO_COLOR,m=p=>{typeof a.output=="string"?E(a.output,p):t.stdout.write(p)},w=f["report-path"]?{reportPath:e.params.reportPath}:{};if(e.params.mode==="plan"){let{runPlan:p}=await import("./chunks/command-2DOGLUVF.js"),n=await p(e);return m(l==="json"?JSON.stringify(n.plan,null,2)+`
`:n.markdown),t.stderr.write(`plan written to ${n.planPath} and ${n.markdownPath}: ${n.plan.steps.length} change(s), ${n.plan.manual.length} left to a person
`),h(e,n.audit,w),n.exitCode}if(e.params.mode==="doctor"){let{runDoctor:p}=await import("./chunks/doctor-FOXTDAYJ.js"),n=await p(e);return m(n.text),n.exitCode}if(e.params.mode==="apply"){let{runApply:p}=await import("./chunks/command-2DOGLUVF.js"),{describeEvent:n}=await import("./chunks/apply-HL6YFI3Y.js"),{renderPlanMarkdown:L}=await import("./chunks/markdown-4WVDKI7S.js"),A=!1,i=await p(e,{onPlan:o=>{e.params.planFile||t.stderr.write(L(o))},onEvent:o=>{!A&&o.kind==="start"&&(A=!0,t.stderr.write(`applying ${o.total} change(s)
`)),t.stderr.write(n(o)+`
`)}});if(i.refused)return t.stderr.write(`error: ${i.refused}
`),i.exitCode;if(i.result){let o=i.result;t.stderr.write(`${o.changes} change(s) made, ${o.done.length-o.changes} already in place`+(o.failed?`; stopped at ${o.failed.step.id} (${o.notRun.length} not run: apply again once it is fixed)`:"")+`
`)}return i.after&&(m(F(i.after.report,l,d,!!a.verbose)),h(e,i.after,w)),i.exitCode}let y=await P(e);return m(F(y.report,l,d,!!a.verbose)),h(e,y,w),y.exitCode}catch(e){if(e instanceof b){for(let d of e.problems)t.stderr.write(`error: ${R(d.where)}: ${d.message}
`);return t.stderr.write(`Nothing was read or changed. Run with --help for usage.
`),2}return t.stderr.write(`cargo-redshift-guard failed unexpectedly: ${e instanceof Error?e.stack??e.message:String(e)}
`),3}}process.exitCode=await I(process.argv.slice(2));
