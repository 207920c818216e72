#!/usr/bin/env node
import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);
import{a as u,b as O,c as P}from"./chunks/chunk-L4T75HDE.js";import{f as j,g as x,h as C,i as E,j as m,k as $,m as _}from"./chunks/chunk-AUEMCSI3.js";import{a as A,b}from"./chunks/chunk-J6GWQ3Y3.js";import"./chunks/chunk-KQQJNFM2.js";import"./chunks/chunk-CE3E4QEN.js";import"./chunks/chunk-MOK57TAG.js";import{d as N}from"./chunks/chunk-ANBGPY66.js";import"./chunks/chunk-Y3OKWOWY.js";import{parseArgs as T}from"node:util";var M="cargo-redshift-guard-plan.json",v=["console","json","markdown","sarif","junit"],k=["audit","plan","apply"],W={format:{type:"string",short:"f"},output:{type:"string",short:"o"},state:{type:"string"},verbose:{type:"boolean",short:"v"},"no-color":{type:"boolean"},help:{type:"boolean",short:"h"},version:{type:"boolean"}};function J(){let s=Math.max(...u.map(r=>r.name.length))+4,t=u.filter(r=>r.name!=="mode").map(r=>`  --${r.name.padEnd(s)}${r.description}${r.default?` (default: ${r.default})`:""}`).join(`
`);return`cargo-redshift-guard ${$}: audit an AWS account's setup for Cargo on Amazon Redshift.

Usage: cargo-redshift-guard [audit|plan|apply] [options]

Commands:
  audit   read the account and judge every rule (default; read-only)
  plan    audit, then write the additive changes that would fix the rules named in --remediate
          to --plan-file (default ${M}) and a Markdown twin, and print it
  apply   with --plan-file: apply exactly that reviewed plan (refused if the account changed
          since); without: plan and apply in one go. Then audit again; the exit code is that
          audit's. Refused on pull_request / pull_request_target events.

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
`}function F(s,t,r,f){return t==="json"?j(s):t==="markdown"?N(s):t==="sarif"?JSON.stringify(C(s,{ruleSetRoot:process.cwd()}),null,2)+`
`:t==="junit"?x(s):P(s,{color:r,verbose:f})}async function I(s,t={stdout:process.stdout,stderr:process.stderr}){let r={...W};for(let e of u)e.only!=="action"&&e.name!=="mode"&&(r[e.name]={type:"string"});let f;try{f=T({args:s,options:r,allowPositionals:!0,strict:!0})}catch(e){return t.stderr.write(`error: ${e.message}
Run with --help for usage.
`),2}let{values:o,positionals:h}=f;if(o.help)return t.stdout.write(J()),0;if(o.version)return t.stdout.write(`${$}
`),0;let R=h[0]??"audit";if(!k.includes(R)||h.length>1)return t.stderr.write(`error: unknown command '${h.join(" ")}'; expected one of ${k.join(", ")}
`),2;let l=o.format??"console";if(!v.includes(l))return t.stderr.write(`error: --format '${String(l)}' is not one of ${v.join(", ")}
`),2;let c={mode:{value:R,where:{input:"mode"}}};for(let e of u){let d=o[e.name];typeof d=="string"&&(c[e.name]={value:d,where:{input:`--${e.name}`}})}typeof o.state=="string"&&(c["state-file"]={value:o.state,where:{input:"--state"}});try{let e=O(c),d=!!t.stdout.isTTY&&!o["no-color"]&&!process.env.NO_COLOR,g=p=>{typeof o.output=="string"?E(o.output,p):t.stdout.write(p)},w=c["report-path"]?{reportPath:e.params.reportPath}:{};if(e.params.mode==="plan"){let{runPlan:p}=await import("./chunks/command-O3DVMV3D.js"),a=await p(e);return g(l==="json"?JSON.stringify(a.plan,null,2)+`
`:a.markdown),t.stderr.write(`plan written to ${a.planPath} and ${a.markdownPath}: ${a.plan.steps.length} change(s), ${a.plan.manual.length} left to a person
`),m(e,a.audit,w),a.exitCode}if(e.params.mode==="apply"){let{runApply:p}=await import("./chunks/command-O3DVMV3D.js"),{describeEvent:a}=await import("./chunks/apply-TCY7DBWO.js"),{renderPlanMarkdown:L}=await import("./chunks/markdown-4WVDKI7S.js"),S=!1,i=await p(e,{onPlan:n=>{e.params.planFile||t.stderr.write(L(n))},onEvent:n=>{!S&&n.kind==="start"&&(S=!0,t.stderr.write(`applying ${n.total} change(s)
`)),t.stderr.write(a(n)+`
`)}});if(i.refused)return t.stderr.write(`error: ${i.refused}
`),i.exitCode;if(i.result){let n=i.result;t.stderr.write(`${n.changes} change(s) made, ${n.done.length-n.changes} already in place`+(n.failed?`; stopped at ${n.failed.step.id} (${n.notRun.length} not run: apply again once it is fixed)`:"")+`
`)}return i.after&&(g(F(i.after.report,l,d,!!o.verbose)),m(e,i.after,w)),i.exitCode}let y=await _(e);return g(F(y.report,l,d,!!o.verbose)),m(e,y,w),y.exitCode}catch(e){if(e instanceof b){for(let d of e.problems)t.stderr.write(`error: ${A(d.where)}: ${d.message}
`);return t.stderr.write(`Nothing was read or changed. Run with --help for usage.
`),2}return t.stderr.write(`cargo-redshift-guard failed unexpectedly: ${e instanceof Error?e.stack??e.message:String(e)}
`),3}}process.exitCode=await I(process.argv.slice(2));
