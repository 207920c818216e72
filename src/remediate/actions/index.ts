/**
 * The registry of remediation actions, in the order their steps are planned: cross-account policy,
 * role, trust, attachments, namespace/cluster association, public access, ingress, Lambda user,
 * then SQL (CREATE DATABASE alone, then users and roles, then grants). An action that provides
 * something (the role, the database) comes before every action that needs it.
 */
import { associateRole } from './associate-role.js'
import { attachCrossAccountPolicy } from './attach-cross-account-policy.js'
import { attachLambdaPolicies } from './attach-lambda-policies.js'
import { authorizeCargoIngress } from './authorize-cargo-ingress.js'
import { createCrossAccountPolicy } from './create-cross-account-policy.js'
import { createLambdaUser } from './create-lambda-user.js'
import { createRole } from './create-role.js'
import { enablePublicAccess } from './enable-public-access.js'
import { mergeTrustStatement } from './merge-trust-statement.js'
import { sqlCreateDatabase } from './sql-create-database.js'
import { sqlCreateUser } from './sql-create-user.js'
import { sqlDefaultPrivileges } from './sql-default-privileges.js'
import { sqlFunctionRole } from './sql-function-role.js'
import { sqlGrantDatabase } from './sql-grant-database.js'
import { sqlGrantExfunc } from './sql-grant-exfunc.js'
import { sqlGrantExternalFunction } from './sql-grant-external-function.js'
import { sqlGrantSourceSelect } from './sql-grant-source-select.js'
import type { RemediationAction } from './types.js'

export type { PlanContext, Provided, RemediationAction } from './types.js'

export const ACTIONS: readonly RemediationAction[] = [
  createCrossAccountPolicy,
  createRole,
  mergeTrustStatement,
  attachCrossAccountPolicy,
  attachLambdaPolicies,
  associateRole,
  enablePublicAccess,
  authorizeCargoIngress,
  createLambdaUser,
  sqlCreateDatabase,
  sqlCreateUser,
  sqlGrantDatabase,
  sqlFunctionRole,
  sqlGrantExfunc,
  sqlGrantSourceSelect,
  sqlDefaultPrivileges,
  sqlGrantExternalFunction
]

export function actionById(id: string): RemediationAction | undefined {
  return ACTIONS.find((a) => a.id === id)
}
