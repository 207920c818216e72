import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);
import{a,b}from"./chunk-JH3SCVTR.js";import"./chunk-ANBGPY66.js";import"./chunk-Y3OKWOWY.js";export{b as renderApplyMarkdown,a as renderPlanMarkdown};
