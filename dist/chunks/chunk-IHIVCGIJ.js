import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);
import{b as h,c as i,d as r,e as d}from"./chunk-P3Q7WJ7I.js";function p(e){return JSON.stringify(e.request,null,2)}function l(e){let o=e.target,t=["## Cargo on Redshift: remediation plan","",`Target: ${o.kind} ${r(o.name)} in ${i(o.region)}${o.accountId?`, account ${o.accountId}`:""}. Made ${e.createdAt} by cargo-redshift-guard ${e.tool.version}; state digest \`${e.stateDigest.slice(0,16)}\u2026\`.`,"",e.steps.length===0?"**No change to make.**"+(e.manual.length>0?` ${e.manual.length} item(s) need a person (below).`:""):`**${e.steps.length} change(s)**, in this order. Each only adds: nothing is deleted, detached, revoked or narrowed. Apply re-reads the account first and refuses this plan if anything it depends on has changed.`,""];if(e.steps.length>0&&(t.push("| # | Change | API | Rules | Description |","| --- | --- | --- | --- | --- |"),e.steps.forEach((n,s)=>{t.push(`| ${s+1} | ${r(n.id)} | ${n.service}:${n.operation} | ${n.ruleIds.map(a=>r(a)).join(", ")} | ${i(n.description)} |`)}),t.push("","### Changes in detail",""),e.steps.forEach((n,s)=>{let a=[`**${i(n.description)}**`,`Resource: ${r(n.resource)}${n.dependsOn.length>0?` \u2014 after ${n.dependsOn.map(c=>`${r(c)}`).join(", ")}`:""}`];n.needsPassword&&a.push("The password comes from the `db-user-password` input at apply time; it is not in this plan."),a.push(`Request (${n.service}:${n.operation}):

${d(p(n),"json")}`),a.push(`By hand:

${d(n.cli,n.service==="redshift-data"?"sql":"sh")}`),t.push(`<details><summary>${s+1}. <code>${h(n.id)}</code> \u2014 ${n.service}:${n.operation}</summary>`,"",a.join(`

`),"","</details>","")})),e.manual.length>0){t.push("","### Left to a person","","| Rule | Resource | Why |","| --- | --- | --- |");for(let s of e.manual)t.push(`| ${r(s.ruleId)} | ${i(s.resource)} | ${i(s.reason)} |`);let n=e.manual.filter(s=>s.instructions);if(n.length>0){t.push("");for(let s of n)t.push(`<details><summary><code>${s.ruleId}</code> by hand</summary>`,"",d(s.instructions),"","</details>","")}}return t.join(`
`).replace(/\n{3,}/g,`

`)+`
`}function $(e){let o=["## Cargo on Redshift: apply",""];o.push(`${e.changes} change(s) made, ${e.done.length-e.changes} already in place`+(e.failures.length>0?`, ${e.failures.length} failed`:"")+(e.held.length>0?`, ${e.held.length} not run`:"")+".","");for(let t of e.done)o.push(`- ${t.result==="changed"?"\u2705":"\u2611\uFE0F"} ${r(t.step.id)}: ${i(t.detail)}`);for(let t of e.failures)o.push(`- \u274C ${r(t.step.id)}: ${i(t.message)}`);for(let t of e.held)o.push(`- \u23F8\uFE0F ${r(t.step.id)}: not run: ${i(t.reason)}`);return o.join(`
`)+`
`}export{l as a,$ as b};
