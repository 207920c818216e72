import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);
function e(t={}){return{schemaVersion:1,source:{kind:"aws",collectedAt:new Date(0).toISOString(),...t},iam:{},network:{},unavailable:[]}}export{e as a};
