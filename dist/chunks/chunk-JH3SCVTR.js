import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);
import{b as s}from"./chunk-ANBGPY66.js";function a(e,i=""){let t=Math.max(2,...[...e.matchAll(/`+/g)].map(o=>o[0].length)),n="`".repeat(t+1);return`${n}${i}
${e}
${n}`}function c(e){return JSON.stringify(e.request,null,2)}function p(e){let i=e.target,t=["## Cargo on Redshift: remediation plan","",`Target: ${i.kind} \`${s(i.name)}\` in ${s(i.region)}${i.accountId?`, account ${i.accountId}`:""}. Made ${e.createdAt} by cargo-redshift-guard ${e.tool.version}; state digest \`${e.stateDigest.slice(0,16)}\u2026\`.`,"",e.steps.length===0?"**No change to make.**"+(e.manual.length>0?` ${e.manual.length} item(s) need a person (below).`:""):`**${e.steps.length} change(s)**, in this order. Each only adds: nothing is deleted, detached, revoked or narrowed. Apply re-reads the account first and refuses this plan if anything it depends on has changed.`,""];if(e.steps.length>0&&(t.push("| # | Change | API | Rules | Description |","| --- | --- | --- | --- | --- |"),e.steps.forEach((n,o)=>{t.push(`| ${o+1} | \`${s(n.id)}\` | ${n.service}:${n.operation} | ${n.ruleIds.map(r=>`\`${r}\``).join(", ")} | ${s(n.description)} |`)}),t.push("","### Changes in detail",""),e.steps.forEach((n,o)=>{let r=[`**${s(n.description)}**`,`Resource: \`${s(n.resource)}\`${n.dependsOn.length>0?` \u2014 after ${n.dependsOn.map(d=>`\`${s(d)}\``).join(", ")}`:""}`];n.needsPassword&&r.push("The password comes from the `db-user-password` input at apply time; it is not in this plan."),r.push(`Request (${n.service}:${n.operation}):

${a(c(n),"json")}`),r.push(`By hand:

${a(n.cli,n.service==="redshift-data"?"sql":"sh")}`),t.push(`<details><summary>${o+1}. <code>${s(n.id)}</code> \u2014 ${n.service}:${n.operation}</summary>`,"",r.join(`

`),"","</details>","")})),e.manual.length>0){t.push("","### Left to a person","","| Rule | Resource | Why |","| --- | --- | --- |");for(let o of e.manual)t.push(`| \`${o.ruleId}\` | ${s(o.resource)} | ${s(o.reason)} |`);let n=e.manual.filter(o=>o.instructions);if(n.length>0){t.push("");for(let o of n)t.push(`<details><summary><code>${o.ruleId}</code> by hand</summary>`,"",a(o.instructions),"","</details>","")}}return t.join(`
`).replace(/\n{3,}/g,`

`)+`
`}function u(e){let i=["## Cargo on Redshift: apply",""];i.push(`${e.changes} change(s) made, ${e.done.length-e.changes} already in place`+(e.failed?`, 1 failed, ${e.notRun.length} not run`:"")+".","");for(let t of e.done)i.push(`- ${t.result==="changed"?"\u2705":"\u2611\uFE0F"} \`${s(t.step.id)}\`: ${s(t.detail)}`);if(e.failed){i.push(`- \u274C \`${s(e.failed.step.id)}\`: ${s(e.failed.message)}`);for(let t of e.notRun)i.push(`- \u23F8\uFE0F \`${s(t.id)}\`: not run (a rerun of apply makes it)`)}return i.join(`
`)+`
`}export{p as a,u as b};
