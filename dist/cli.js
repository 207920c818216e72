#!/usr/bin/env node
import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);
import{a as g,b as h,c as a,d as w,e as y,f as v,g as S,h as R,i as b,k as $,l as A,m as f,n as O}from"./chunks/chunk-523MKCKZ.js";import"./chunks/chunk-RDLH5GMA.js";import"./chunks/chunk-Y3OKWOWY.js";import{parseArgs as N}from"node:util";var c=["console","json","markdown","sarif","junit"],j=["audit","plan","apply"],x={format:{type:"string",short:"f"},output:{type:"string",short:"o"},state:{type:"string"},verbose:{type:"boolean",short:"v"},"no-color":{type:"boolean"},help:{type:"boolean",short:"h"},version:{type:"boolean"}};function I(){let n=Math.max(...a.map(r=>r.name.length))+4,e=a.filter(r=>r.name!=="mode").map(r=>`  --${r.name.padEnd(n)}${r.description}${r.default?` (default: ${r.default})`:""}`).join(`
`);return`cargo-redshift-guard ${f}: audit an AWS account's setup for Cargo on Amazon Redshift.

Usage: cargo-redshift-guard [audit] [options]

Options:
  -f, --format <${c.join("|")}>  what to print (default: console)
  -o, --output <file>     write the formatted report to a file instead of stdout
      --state <file>      same as --state-file: judge a saved account state, read no AWS
  -v, --verbose           show details for passing rules too
      --no-color          no colour even on a terminal (NO_COLOR is honoured too)
  -h, --help              this help
      --version           the version

Inputs (the same names as the GitHub Action's inputs and the config file's keys):
${e}

Exit codes: 0 no drift at or above fail-on, 1 drift or a rule that could not be checked,
2 usage or configuration error (nothing was read or changed), 3 unexpected failure.
AWS credentials, region and endpoints come from the usual chain (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL_<SERVICE>, ...).
`}function F(n,e,r,i){return e==="json"?y(n):e==="markdown"?$(n):e==="sarif"?JSON.stringify(S(n,{ruleSetRoot:process.cwd()}),null,2)+`
`:e==="junit"?v(n):A(n,{color:r,verbose:i})}async function C(n,e={stdout:process.stdout,stderr:process.stderr}){let r={...x};for(let t of a)t.only!=="action"&&t.name!=="mode"&&(r[t.name]={type:"string"});let i;try{i=N({args:n,options:r,allowPositionals:!0,strict:!0})}catch(t){return e.stderr.write(`error: ${t.message}
Run with --help for usage.
`),2}let{values:o,positionals:d}=i;if(o.help)return e.stdout.write(I()),0;if(o.version)return e.stdout.write(`${f}
`),0;let m=d[0]??"audit";if(!j.includes(m)||d.length>1)return e.stderr.write(`error: unknown command '${d.join(" ")}'; expected one of ${j.join(", ")}
`),2;let p=o.format??"console";if(!c.includes(p))return e.stderr.write(`error: --format '${String(p)}' is not one of ${c.join(", ")}
`),2;let u={mode:{value:m,where:{input:"mode"}}};for(let t of a){let s=o[t.name];typeof s=="string"&&(u[t.name]={value:s,where:{input:`--${t.name}`}})}typeof o.state=="string"&&(u["state-file"]={value:o.state,where:{input:"--state"}});try{let t=w(u);if(t.params.mode!=="audit")return e.stderr.write(`error: '${t.params.mode}' is not available in this version; run 'audit'
`),2;let s=await O(t),E=!!e.stdout.isTTY&&!o["no-color"]&&!process.env.NO_COLOR,l=F(s.report,p,E,!!o.verbose);return typeof o.output=="string"?R(o.output,l):e.stdout.write(l),b(t,s,u["report-path"]?{reportPath:t.params.reportPath}:{}),s.exitCode}catch(t){if(t instanceof h){for(let s of t.problems)e.stderr.write(`error: ${g(s.where)}: ${s.message}
`);return e.stderr.write(`Nothing was read or changed. Run with --help for usage.
`),2}return e.stderr.write(`cargo-redshift-guard failed unexpectedly: ${t instanceof Error?t.stack??t.message:String(t)}
`),3}}process.exitCode=await C(process.argv.slice(2));
