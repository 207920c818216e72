import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);
import{a,b}from"./chunk-IHIVCGIJ.js";import"./chunk-P3Q7WJ7I.js";import"./chunk-G35BWJHM.js";import"./chunk-Y3OKWOWY.js";export{b as renderApplyMarkdown,a as renderPlanMarkdown};
