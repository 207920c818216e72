import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);
import{a,b}from"./chunk-T66UF2QZ.js";import"./chunk-DFTZQAIO.js";import"./chunk-G35BWJHM.js";import"./chunk-Y3OKWOWY.js";export{b as renderApplyMarkdown,a as renderPlanMarkdown};
