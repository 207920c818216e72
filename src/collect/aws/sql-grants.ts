/**
 * Every path a privilege can take in Redshift, judged from rows the SQL collector read. Pure: no I/O.
 *
 * A user holds a privilege on an object when it is granted to the user, to PUBLIC, to a group the
 * user is in (r_GRANT), or to a role the user holds at any depth: a role granted to a role passes on
 * its permissions (t_role_hierarchy), so roles are followed until no new one appears (cycles end it).
 * System privileges (CREATE OR REPLACE FUNCTION, ACCESS SYSTEM TABLE, ...) reach a user the same way
 * through roles, including Redshift's own `sys:` roles (r_roles-default). Owners and superusers hold
 * every privilege on what they own / everywhere (r_superusers).
 */

export type IdentityType = 'user' | 'group' | 'role' | 'public'

/** A grant as the SVV_*_PRIVILEGES views list it. */
export interface Grantee {
  type: string
  name: string | null
}

/** The role graph and memberships the audit read (SVV_USER_GRANTS, SVV_ROLE_GRANTS, PG_GROUP, SVV_SYSTEM_PRIVILEGES). */
export interface GrantGraph {
  superusers: ReadonlySet<string>
  /** user -> groups the user is a member of */
  groupsOf: ReadonlyMap<string, ReadonlySet<string>>
  /** user -> roles granted to the user directly */
  userRoles: ReadonlyMap<string, ReadonlySet<string>>
  /** role -> roles granted to that role */
  roleRoles: ReadonlyMap<string, ReadonlySet<string>>
  /** identity (`user:name` / `role:name`) -> system privileges granted to it, upper case */
  systemPrivileges: ReadonlyMap<string, ReadonlySet<string>>
}

export const CREATE_FUNCTION = 'CREATE OR REPLACE FUNCTION'
export const CREATE_EXTERNAL_FUNCTION = 'CREATE OR REPLACE EXTERNAL FUNCTION'
export const ACCESS_SYSTEM_TABLE = 'ACCESS SYSTEM TABLE'

/**
 * System privileges of Redshift's predefined roles, as r_roles-default documents them: sys:monitor
 * and sys:operator access catalog and system tables; sys:dba creates or replaces functions and
 * external functions and inherits sys:operator; sys:superuser has every system permission.
 * SVV_SYSTEM_PRIVILEGES may list these too; the union changes nothing then.
 */
const PREDEFINED_ROLE_PRIVILEGES: ReadonlyMap<string, readonly string[] | 'all'> = new Map<string, readonly string[] | 'all'>([
  ['sys:monitor', [ACCESS_SYSTEM_TABLE]],
  ['sys:operator', [ACCESS_SYSTEM_TABLE]],
  ['sys:dba', [CREATE_FUNCTION, CREATE_EXTERNAL_FUNCTION, ACCESS_SYSTEM_TABLE]],
  ['sys:superuser', 'all']
])

/** Who a user is, for matching grantees: the user, its groups, every role it holds at any depth. */
export interface Identity {
  user: string
  superuser: boolean
  groups: ReadonlySet<string>
  roles: ReadonlySet<string>
}

/** Every role reachable from `start` through role-to-role grants, `start` included; cycles end the walk. */
export function roleClosure(graph: GrantGraph, start: Iterable<string>): Set<string> {
  const seen = new Set<string>()
  const queue = [...start]
  while (queue.length > 0) {
    const role = queue.pop()!
    if (seen.has(role)) continue
    seen.add(role)
    for (const next of graph.roleRoles.get(role) ?? []) if (!seen.has(next)) queue.push(next)
  }
  return seen
}

export function identityOf(graph: GrantGraph, user: string): Identity {
  return {
    user,
    superuser: graph.superusers.has(user),
    groups: graph.groupsOf.get(user) ?? new Set(),
    roles: roleClosure(graph, graph.userRoles.get(user) ?? [])
  }
}

/** Whether a grant to `grantee` reaches the identity (PUBLIC, the user, one of its groups or roles). */
export function reaches(identity: Identity, grantee: Grantee): boolean {
  const type = grantee.type.toLowerCase()
  if (type === 'public') return true
  if (grantee.name === null) return false
  if (type === 'user') return grantee.name === identity.user
  if (type === 'group') return identity.groups.has(grantee.name)
  if (type === 'role') return identity.roles.has(grantee.name)
  return false
}

function privilegesOf(graph: GrantGraph, key: string): Set<string> {
  return new Set([...(graph.systemPrivileges.get(key) ?? [])].map((p) => p.toUpperCase()))
}

/** The role (or `user:`/`superuser`) through which `roles` or `user` hold a system privilege, if any. */
function systemPrivilegeSource(graph: GrantGraph, privilege: string, roles: Iterable<string>, user?: string): string | undefined {
  if (user !== undefined && privilegesOf(graph, `user:${user}`).has(privilege)) return user
  for (const role of [...roles].sort()) {
    const predefined = PREDEFINED_ROLE_PRIVILEGES.get(role)
    if (predefined === 'all' || predefined?.includes(privilege)) return role
    if (privilegesOf(graph, `role:${role}`).has(privilege)) return role
  }
  return undefined
}

/** How the identity holds a system privilege: 'superuser', the role (or the user) that carries it, or undefined. */
export function systemPrivilegeVia(graph: GrantGraph, identity: Identity, privilege: string): string | undefined {
  if (identity.superuser) return 'superuser'
  return systemPrivilegeSource(graph, privilege.toUpperCase(), identity.roles, identity.user)
}

/** System privileges a role holds, its own and those of every role granted to it, at any depth. */
export function roleSystemPrivileges(graph: GrantGraph, role: string, wanted: readonly string[]): string[] {
  const roles = roleClosure(graph, [role])
  return wanted.filter((privilege) => systemPrivilegeSource(graph, privilege, roles) !== undefined)
}
