import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts'
import type { CollectContext } from '../types.js'
import { causeFrom } from '../../aws/call.js'

/**
 * GetCallerIdentity -> `/source/accountId`. Nothing waits on it except, when the role is
 * missing or unreadable, the lookup of a named cross-account policy (which needs the account
 * id to build the policy ARN). Resolves to the account id, or undefined when STS failed.
 */
export async function collectCallerIdentity(ctx: CollectContext, sts: STSClient): Promise<string | undefined> {
  try {
    const out = await ctx.call('sts', 'GetCallerIdentity', (abortSignal) =>
      sts.send(new GetCallerIdentityCommand({}), { abortSignal })
    )
    if (out.Account) ctx.state.source.accountId = out.Account
    return out.Account
  } catch (err) {
    ctx.unavailable('/source/accountId', causeFrom(err, 'sts', 'GetCallerIdentity'))
    return undefined
  }
}
