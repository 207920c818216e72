import { createRequire as __crg_createRequire } from 'node:module'; const require = __crg_createRequire(import.meta.url);
function i(n){if(n)return n.startsWith("cn-")?"aws-cn":n.startsWith("us-gov-")?"aws-us-gov":"aws"}function r(n){return/^arn:(aws|aws-cn|aws-us-gov):/.exec(n??"")?.[1]}export{i as a,r as b};
