#!/usr/bin/env node
// Offline IAM decisions for the test suite, with @cloud-copilot/iam-simulate (a dev dependency: AGPL-3.0,
// never imported by the library). Python callers use stacks/documents/iam_simulator.py.
//
// Input, one JSON document on stdin:
//   {"requests": [{
//     "principal": "arn:aws:iam::111122223333:role/app" | "cloudwatch.amazonaws.com",
//     "action": "bedrock:InvokeModel",
//     "resource": "<ARN>" | "*",                  // "*" only for actions without resource types
//     "resourceAccount": "111122223333" | null,   // null: the account in the ARN; for "*", the principal's
//     "context": {"bedrock:GuardrailIdentifier": "<ARN>:1", "aws:SourceVpce": "vpce-1", "k": ["v1", "v2"]},
//     "identityPolicies": [{"name": "invoke", "policy": {...}}],
//     "resourcePolicy": {...} | null,
//     "vpcEndpointPolicies": [{"name": "bedrock-runtime", "policy": {...}}],
//     "serviceControlPolicies": [{"orgIdentifier": "r-root", "policies": [{"name": "FullAWSAccess", ...}]}],
//     "resourceControlPolicies": [{"orgIdentifier": "r-root", "policies": [{"name": "...", ...}]}],
//     "permissionBoundaries": [{"name": "boundary", "policy": {...}}] | null,
//     "allowIgnoredContextKeys": false
//   }, ...]}
// Every field but principal, action and resource may be left out (lists empty, the rest null/false).
//
// Output, one JSON document on stdout, results in request order:
//   {"results": [{"decision": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "Error",
//                 "errors": ["..."], "explain": "...", "ignoredContextKeys": ["..."]}]}
// A request the simulator cannot evaluate as given (unknown action or service, a resource ARN that is not a
// resource type of the action, an invalid policy, a context key the action does not have, a principal we
// cannot rewrite, ...) gets decision "Error" and its reasons in "errors": never a decision. Exit status 0
// whenever results were written; 2 (message on stderr) when the input document itself is malformed.
//
// SCPs and RCPs, as iam-simulate takes them: one entry per level of the organization tree, root first and
// the account last, each {"orgIdentifier": "<r-… | ou-… | account>", "policies": [{"name", "policy"}]}.
// As in AWS, every SCP level must Allow the action, so include FullAWSAccess (or your allow list) at each
// level you pass; no levels at all means "not in an organization". For RCPs the simulator adds AWS's default
// RCPFullAWSAccess to every level itself; RCP statements must be Deny with Principal "*".
//
// What this script adds around runSimulation (Strict mode):
// 1. Principal context. For an AWS principal, aws:PrincipalArn and aws:PrincipalAccount are added to the
//    request context when absent (case-insensitive), as AWS sets them: an IAM role/user/root ARN as given,
//    an assumed-role session as its role's ARN (arn:aws:iam::ACCOUNT:role/NAME: a session ARN has no role
//    path, so pass aws:PrincipalArn yourself for a role with a path). Nothing is added for a service
//    principal (no ARN), which may not carry identity policies, permission boundaries or SCPs either:
//    those apply to IAM users and roles only.
// 2. VPC endpoint policies with named principals. iam-simulate evaluates an endpoint policy like an identity
//    policy and rejects any Principal other than "*" ("Principal must be \"*\" in an endpoint policy").
//    AWS accepts {"AWS": [...]} on interface endpoints, where the statement applies when the caller is any
//    of the listed principals. We rewrite each such statement before the simulator sees it:
//      {"AWS": "*"} (or "*" anywhere in the list)  ->  "Principal": "*"
//      role / user / federated-user ARNs          ->  "Principal": "*" + ArnEquals aws:PrincipalArn [ARNs]
//      "arn:aws:iam::ACCOUNT:root" or "ACCOUNT"   ->  "Principal": "*" + StringEquals aws:PrincipalAccount
//    The values of one condition key are ORed, like the entries of a Principal list. When a statement lists
//    both ARNs and accounts it becomes two statements (same Sid, Effect, Action, Resource, Condition), one
//    per key: a statement applies if either does, for Allow and Deny alike. The new key is ANDed with the
//    statement's existing conditions; if the statement already uses the same operator on the same key, which
//    would merge the value lists into an OR and widen the statement, we take the next equivalent operator
//    (ArnEquals, ArnLike, StringEquals, StringLike for ARNs; StringEquals, StringLike for accounts: equal for
//    values without wildcards), and report an error when none is free. Principal values that have no exact
//    condition equivalent are errors: assumed-role session ARNs (aws:PrincipalArn is the role's ARN), ARNs
//    with "*" or "?" (a wildcard in a condition), unique IDs, and Service/Federated/CanonicalUser principals.
//    Equivalent on interface endpoints, and the form gateway endpoints require. In a rewritten policy every
//    statement keeps its original identifier (its Sid, else its 1-based position), so explanations name the
//    statements you wrote.
// 3. Normalized decisions. A resource ARN with a wildcard (CloudWatch Logs "log-group:NAME:*") makes the
//    simulator answer with resultType "wildcard", an overallResult and one result per policy resource
//    pattern that overlaps it (possibly none: ImplicitlyDenied); a plain ARN gives resultType "single". Both
//    become one decision; the explanation names the patterns. Mind the simulator's meaning of a wildcard
//    decision: Allowed when the request is allowed for *some* resource the pattern covers (an Allow on
//    "log-group:g:*" with a Deny on one of its streams is still Allowed), ExplicitlyDenied only when denied
//    for every pattern evaluated. Ask about a concrete ARN when you need "allowed for all of them".
// 4. Stricter input. The simulator silently drops context keys that the action/resource type does not have
//    (e.g. a misspelt key, which would make a negated Deny condition true) and keeps only the first value of
//    a list given for a single-valued key: both are errors here (the dropped keys are still listed in
//    "ignoredContextKeys"; set "allowIgnoredContextKeys": true for a request whose context is deliberately
//    broader than the action's). Unknown request fields are errors too.

import { isConditionKeyArray, runSimulation, typeForContextKey } from '@cloud-copilot/iam-simulate'

const REQUEST_FIELDS = new Set([
  'principal',
  'action',
  'resource',
  'resourceAccount',
  'context',
  'identityPolicies',
  'resourcePolicy',
  'vpcEndpointPolicies',
  'serviceControlPolicies',
  'resourceControlPolicies',
  'permissionBoundaries',
  'allowIgnoredContextKeys'
])

const ACCOUNT_ID = /^\d{12}$/
const ROOT_ARN = /^arn:[^:]+:iam::(\d{12}):root$/
const IAM_PRINCIPAL_ARN = /^arn:[^:]+:iam::\d{12}:(role|user)\/.+$/
const FEDERATED_USER_ARN = /^arn:[^:]+:sts::\d{12}:federated-user\/.+$/
const ASSUMED_ROLE_ARN = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/

const PRINCIPAL_ARN_OPERATORS = ['ArnEquals', 'ArnLike', 'StringEquals', 'StringLike']
const PRINCIPAL_ACCOUNT_OPERATORS = ['StringEquals', 'StringLike']

/** Thrown for a request we cannot evaluate; becomes decision "Error". */
class RequestError extends Error {}

// AWS's rule and iam-simulate's (iam-utils isServicePrincipal): not an ARN, ends with amazonaws.com.
const isServicePrincipal = (principal) =>
  !principal.startsWith('arn:') && principal.endsWith('amazonaws.com')

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)

const asList = (value) => (value === undefined ? [] : [value].flat())

const findKey = (object, key) =>
  Object.keys(object).find((candidate) => candidate.toLowerCase() === key.toLowerCase())

/** aws:PrincipalArn / aws:PrincipalAccount as AWS sets them for an authenticated AWS principal. */
function principalContext(principal) {
  if (IAM_PRINCIPAL_ARN.test(principal) || FEDERATED_USER_ARN.test(principal)) {
    return { 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': principal.split(':')[4] }
  }
  const root = ROOT_ARN.exec(principal)
  if (root) {
    return { 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': root[1] }
  }
  const session = ASSUMED_ROLE_ARN.exec(principal)
  if (session) {
    const [, partition, account, roleName] = session
    return {
      'aws:PrincipalArn': `arn:${partition}:iam::${account}:role/${roleName}`,
      'aws:PrincipalAccount': account
    }
  }
  throw new RequestError(
    `principal '${principal}' is neither an IAM role, user, root, assumed-role or federated-user ARN nor a service principal (*.amazonaws.com)`
  )
}

/** Sort one endpoint-policy principal value into the condition key that expresses it exactly. */
function classifyEndpointPrincipal(value, where) {
  if (typeof value !== 'string') {
    throw new RequestError(`${where}: principal ${JSON.stringify(value)} is not a string`)
  }
  if (ACCOUNT_ID.test(value)) {
    return { key: 'account', value }
  }
  const root = ROOT_ARN.exec(value)
  if (root) {
    return { key: 'account', value: root[1] }
  }
  if (value.includes('*') || value.includes('?')) {
    throw new RequestError(
      `${where}: principal '${value}' has a wildcard, which AWS does not allow in a Principal and which would become a pattern in an aws:PrincipalArn condition`
    )
  }
  if (ASSUMED_ROLE_ARN.test(value)) {
    throw new RequestError(
      `${where}: principal '${value}' is one role session; aws:PrincipalArn carries the role's ARN, so no aws:PrincipalArn condition is equivalent`
    )
  }
  if (IAM_PRINCIPAL_ARN.test(value) || FEDERATED_USER_ARN.test(value)) {
    return { key: 'arn', value }
  }
  throw new RequestError(
    `${where}: principal '${value}' is not an account, root, role, user or federated-user ARN; cannot rewrite it as an aws:PrincipalArn / aws:PrincipalAccount condition`
  )
}

/**
 * A copy of `condition` with `key` in [values] ANDed to it, under the first operator of `operators` that the
 * statement does not already use with that key (operators and keys compare case-insensitively, as AWS does).
 */
function addCondition(condition, operators, key, values, where) {
  const merged = structuredClone(condition ?? {})
  if (!isObject(merged)) {
    throw new RequestError(`${where}: Condition is not an object`)
  }
  for (const operator of operators) {
    const existingOperator = findKey(merged, operator)
    if (existingOperator === undefined) {
      merged[operator] = { [key]: values }
      return merged
    }
    const block = merged[existingOperator]
    if (isObject(block) && findKey(block, key) === undefined) {
      block[key] = values
      return merged
    }
  }
  throw new RequestError(
    `${where}: the statement already uses ${operators.join(', ')} on ${key}; its named principals cannot be ANDed to it without changing its meaning`
  )
}

/**
 * Rewrite the named AWS principals of an endpoint policy as "*" plus conditions (see the header).
 * Returns the policy unchanged when it names no principal.
 */
function rewriteEndpointPolicy(name, policy) {
  if (!isObject(policy) || policy.Statement === undefined) {
    return policy // the simulator's validation reports it
  }
  const statements = asList(policy.Statement)
  if (!statements.some((statement) => isObject(statement) && isObject(statement.Principal))) {
    return policy
  }
  const rewritten = []
  statements.forEach((statement, index) => {
    if (!isObject(statement)) {
      rewritten.push(statement)
      return
    }
    const identifier = statement.Sid ?? String(index + 1)
    const where = `VPC endpoint policy '${name}' statement '${identifier}'`
    const base = { ...structuredClone(statement), Sid: identifier }
    if (!isObject(statement.Principal)) {
      rewritten.push(base)
      return
    }
    const principalTypes = Object.keys(statement.Principal)
    const unsupported = principalTypes.filter((type) => type !== 'AWS')
    if (unsupported.length > 0) {
      throw new RequestError(
        `${where}: principal type ${unsupported.join(', ')} has no aws:PrincipalArn equivalent; endpoint policies name AWS principals`
      )
    }
    const values = asList(statement.Principal.AWS)
    if (values.length === 0) {
      throw new RequestError(`${where}: Principal {"AWS": []} names nobody`)
    }
    if (values.includes('*')) {
      rewritten.push({ ...base, Principal: '*' })
      return
    }
    const arns = []
    const accounts = []
    for (const value of values) {
      const { key, value: normalized } = classifyEndpointPrincipal(value, where)
      const bucket = key === 'arn' ? arns : accounts
      if (!bucket.includes(normalized)) {
        bucket.push(normalized)
      }
    }
    if (arns.length > 0) {
      const Condition = addCondition(statement.Condition, PRINCIPAL_ARN_OPERATORS, 'aws:PrincipalArn', arns, where)
      rewritten.push({ ...base, Principal: '*', Condition })
    }
    if (accounts.length > 0) {
      const Condition = addCondition(
        statement.Condition,
        PRINCIPAL_ACCOUNT_OPERATORS,
        'aws:PrincipalAccount',
        accounts,
        where
      )
      rewritten.push({ ...base, Principal: '*', Condition })
    }
  })
  return { ...policy, Statement: rewritten }
}

function namedPolicies(value, field) {
  if (value === undefined || value === null) {
    return []
  }
  if (!Array.isArray(value)) {
    throw new RequestError(`${field} must be a list of {"name", "policy"}`)
  }
  value.forEach((entry, index) => {
    if (!isObject(entry) || typeof entry.name !== 'string' || !('policy' in entry)) {
      throw new RequestError(`${field}[${index}] must be {"name": <string>, "policy": <policy document>}`)
    }
    const extra = Object.keys(entry).filter((key) => key !== 'name' && key !== 'policy')
    if (extra.length > 0) {
      throw new RequestError(`${field}[${index}] has unknown field(s) ${extra.join(', ')}`)
    }
  })
  const names = value.map((entry) => entry.name)
  const duplicate = names.find((name, index) => names.indexOf(name) !== index)
  if (duplicate !== undefined) {
    throw new RequestError(`${field}: two policies are named '${duplicate}'`)
  }
  return value
}

function orgPolicies(value, field) {
  if (value === undefined || value === null) {
    return []
  }
  if (!Array.isArray(value)) {
    throw new RequestError(`${field} must be a list of {"orgIdentifier", "policies"}, root first`)
  }
  return value.map((level, index) => {
    if (!isObject(level) || typeof level.orgIdentifier !== 'string') {
      throw new RequestError(`${field}[${index}] must be {"orgIdentifier": <string>, "policies": [...]}`)
    }
    const extra = Object.keys(level).filter((key) => key !== 'orgIdentifier' && key !== 'policies')
    if (extra.length > 0) {
      throw new RequestError(`${field}[${index}] has unknown field(s) ${extra.join(', ')}`)
    }
    return {
      orgIdentifier: level.orgIdentifier,
      policies: namedPolicies(level.policies, `${field}[${index}].policies`)
    }
  })
}

function requireString(request, field) {
  if (typeof request[field] !== 'string' || request[field] === '') {
    throw new RequestError(`${field} must be a non-empty string`)
  }
  return request[field]
}

/** The account that owns the resource: given, else the ARN's account field, else (for "*") the principal's. */
function resourceAccountFor(request, principal, resource) {
  const given = request.resourceAccount ?? null
  if (given !== null && (typeof given !== 'string' || !ACCOUNT_ID.test(given))) {
    throw new RequestError(`resourceAccount must be a 12-digit account id or null, got ${JSON.stringify(given)}`)
  }
  const inArn = resource.startsWith('arn:') ? resource.split(':')[4] || null : null
  if (given !== null && inArn !== null && inArn !== '*' && given !== inArn) {
    throw new RequestError(`resourceAccount ${given} contradicts the account ${inArn} in the resource ARN`)
  }
  if (given !== null) {
    return given
  }
  if (inArn !== null && ACCOUNT_ID.test(inArn)) {
    return inArn
  }
  if (resource === '*' && !isServicePrincipal(principal)) {
    return principalContext(principal)['aws:PrincipalAccount']
  }
  throw new RequestError(`resourceAccount is required: the resource '${resource}' names no account`)
}

async function checkContext(context) {
  if (!isObject(context)) {
    throw new RequestError('context must be an object of key -> string or list of strings')
  }
  for (const [key, value] of Object.entries(context)) {
    const values = asList(value)
    if (!values.every((item) => typeof item === 'string')) {
      throw new RequestError(`context '${key}': values must be strings, got ${JSON.stringify(value)}`)
    }
    if (Array.isArray(value) && value.length !== 1) {
      let type
      try {
        type = await typeForContextKey(key)
      } catch {
        continue // unknown key: reported as ignored by the simulator
      }
      if (!isConditionKeyArray(type)) {
        throw new RequestError(
          `context '${key}' is single-valued (${type}) but was given ${value.length} values; the simulator would keep only the first`
        )
      }
    }
  }
}

/** Turn one request of ours into iam-simulate's Simulation. */
async function toSimulation(request) {
  if (!isObject(request)) {
    throw new RequestError('a request must be an object')
  }
  const unknown = Object.keys(request).filter((key) => !REQUEST_FIELDS.has(key))
  if (unknown.length > 0) {
    throw new RequestError(`unknown request field(s): ${unknown.join(', ')}`)
  }
  const principal = requireString(request, 'principal')
  const action = requireString(request, 'action')
  const resource = requireString(request, 'resource')
  const service = isServicePrincipal(principal)

  const context = { ...(request.context ?? {}) }
  await checkContext(context)
  if (!service) {
    for (const [key, value] of Object.entries(principalContext(principal))) {
      if (findKey(context, key) === undefined) {
        context[key] = value
      }
    }
  }

  const identityPolicies = namedPolicies(request.identityPolicies, 'identityPolicies')
  const serviceControlPolicies = orgPolicies(request.serviceControlPolicies, 'serviceControlPolicies')
  const resourceControlPolicies = orgPolicies(request.resourceControlPolicies, 'resourceControlPolicies')
  const permissionBoundaries =
    request.permissionBoundaries === undefined || request.permissionBoundaries === null
      ? undefined
      : namedPolicies(request.permissionBoundaries, 'permissionBoundaries')
  const vpcEndpointPolicies = namedPolicies(request.vpcEndpointPolicies, 'vpcEndpointPolicies').map(
    ({ name, policy }) => ({ name, policy: rewriteEndpointPolicy(name, policy) })
  )
  if (service) {
    const principalSide = [
      identityPolicies.length > 0 && 'identityPolicies',
      (permissionBoundaries?.length ?? 0) > 0 && 'permissionBoundaries',
      serviceControlPolicies.length > 0 && 'serviceControlPolicies'
    ].filter(Boolean)
    if (principalSide.length > 0) {
      throw new RequestError(
        `service principal '${principal}' has no ${principalSide.join(' / ')}: those apply to IAM users and roles; a service is authorized by the resource policy`
      )
    }
  }
  const resourcePolicy = request.resourcePolicy ?? undefined
  if (resourcePolicy !== undefined && !isObject(resourcePolicy)) {
    throw new RequestError('resourcePolicy must be a policy document or null')
  }

  return {
    request: {
      principal,
      action,
      resource: { resource, accountId: resourceAccountFor(request, principal, resource) },
      contextVariables: context
    },
    identityPolicies,
    serviceControlPolicies,
    resourceControlPolicies,
    ...(resourcePolicy !== undefined && { resourcePolicy }),
    ...(permissionBoundaries !== undefined && { permissionBoundaryPolicies: permissionBoundaries }),
    ...(vpcEndpointPolicies.length > 0 && { vpcEndpointPolicies })
  }
}

const SIMULATOR_MESSAGES = {
  'invalid.action': (s) => `unknown action '${s.request.action}' (not in the IAM service reference data)`,
  'invalid.service': (s) => `unknown service in action '${s.request.action}'`,
  'no.resource.types': (s) =>
    `resource '${s.request.resource.resource}' matches no resource type of ${s.request.action}; use the ARN form the Service Authorization Reference lists for it`,
  'multiple.resource.types': (s) =>
    `resource '${s.request.resource.resource}' matches several resource types of ${s.request.action}`,
  'must.use.wildcard': (s) => `${s.request.action} has no resource types: its resource must be "*"`,
  'invalid.principal': (s) => `invalid principal ${JSON.stringify(s.request.principal)}`
}

const POLICY_ERROR_GROUPS = [
  ['sessionPolicyErrors', 'session policy'],
  ['identityPolicyErrors', 'identity policy'],
  ['serviceControlPolicyErrors', 'SCP'],
  ['resourceControlPolicyErrors', 'RCP'],
  ['permissionBoundaryErrors', 'permission boundary'],
  ['resourcePolicyErrors', 'resource policy'],
  ['vpcEndpointErrors', 'VPC endpoint policy']
]

function simulatorErrors(errors, simulation) {
  const messages = []
  for (const [field, label] of POLICY_ERROR_GROUPS) {
    const group = errors[field]
    if (group === undefined) {
      continue
    }
    const byPolicy = Array.isArray(group) ? { '': group } : group
    for (const [name, list] of Object.entries(byPolicy)) {
      for (const error of list) {
        const policy = name === '' ? label : `${label} '${name}'`
        messages.push(`${policy}: ${error.path ? `${error.path}: ` : ''}${error.message}`)
      }
    }
  }
  for (const code of errors.anonymousRequestErrors ?? []) {
    messages.push(code)
  }
  if (messages.length === 0) {
    const describe = SIMULATOR_MESSAGES[errors.message]
    messages.push(describe ? describe(simulation) : `simulator error: ${errors.message}`)
  }
  return messages
}

// ---------------------------------------------------------------- explanations

const statementLabel = (layer, policy, analysis) =>
  `${analysis.explain.effect} ${layer}${policy ? ` '${policy}'` : ''} #${analysis.explain.identifier}`

/** [layer label, analysis with allow/deny statements, policy name override] for every policy layer. */
function layers(analysis) {
  const found = []
  const add = (layer, part) => {
    if (part) {
      found.push([layer, part])
    }
  }
  add('session policy', analysis.sessionAnalysis)
  add('identity policy', analysis.identityAnalysis)
  add('permission boundary', analysis.permissionBoundaryAnalysis)
  add('VPC endpoint policy', analysis.endpointAnalysis)
  if (analysis.resourceAnalysis && analysis.resourceAnalysis.result !== 'NotApplicable') {
    found.push(['resource policy', analysis.resourceAnalysis, ''])
  }
  for (const ou of analysis.scpAnalysis?.ouAnalysis ?? []) {
    found.push([`SCP ${ou.orgIdentifier}`, ou])
  }
  for (const ou of analysis.rcpAnalysis?.ouAnalysis ?? []) {
    found.push([`RCP ${ou.orgIdentifier}`, ou])
  }
  return found
}

function statementsOf(analysis, kind, { skipDefaultRcp = false } = {}) {
  const labels = []
  for (const [layer, part, policyOverride] of layers(analysis)) {
    for (const statement of part[kind] ?? []) {
      if (skipDefaultRcp && statement.policyId?.endsWith('p-RCPFullAWSAccess')) {
        continue
      }
      const policy = policyOverride ?? statement.policyId
      labels.push(statementLabel(layer, policy, statement))
    }
  }
  return [...new Set(labels)]
}

const BLOCKED_BY = {
  scp: 'no SCP Allow at some level',
  rcp: 'an RCP',
  vpce: 'no matching Allow in the VPC endpoint policies',
  identity: 'an identity policy Deny',
  resource: 'the resource policy',
  pb: 'the permission boundary',
  's3-bpa': 'S3 Block Public Access'
}

function explainAnalysis(analysis, service) {
  const result = analysis.result
  const blocked = (analysis.blockedBy ?? []).map((reason) => BLOCKED_BY[reason] ?? reason)
  if (result === 'ExplicitlyDenied') {
    const denies = statementsOf(analysis, 'denyStatements')
    return denies.length > 0
      ? `ExplicitlyDenied by ${denies.join('; ')}`
      : `ExplicitlyDenied (no Deny statement reported; blocked by ${blocked.join(', ') || 'the service'})`
  }
  if (result === 'Allowed') {
    return `Allowed by ${statementsOf(analysis, 'allowStatements', { skipDefaultRcp: true }).join('; ')}`
  }
  const granted = statementsOf(analysis, 'allowStatements', { skipDefaultRcp: true })
  if (blocked.length > 0) {
    return `ImplicitlyDenied: allowed by ${granted.join('; ')} but blocked by ${blocked.join(', ')}`
  }
  const identity = analysis.identityAnalysis?.result ?? 'n/a'
  const resource = analysis.resourceAnalysis?.result ?? 'NotApplicable'
  const account = analysis.sameAccount ? 'same account' : service ? 'service principal' : 'cross-account'
  const noSurvivingAllow = granted.length > 0 ? `; matching Allow statements: ${granted.join('; ')}` : ''
  return `ImplicitlyDenied: no Allow grants it (identity policies: ${identity}; resource policy: ${resource}; ${account})${noSurvivingAllow}`
}

function normalize(response, simulation, allowIgnored) {
  const service = isServicePrincipal(simulation.request.principal)
  if (response.resultType === 'error') {
    return { decision: 'Error', errors: simulatorErrors(response.errors, simulation), explain: '', ignoredContextKeys: [] }
  }
  let decision
  let explain
  let ignored
  if (response.resultType === 'single') {
    decision = response.result.analysis.result
    if (decision !== response.overallResult) {
      throw new Error(`simulator inconsistency: analysis ${decision} vs overall ${response.overallResult}`)
    }
    explain = explainAnalysis(response.result.analysis, service)
    ignored = response.result.ignoredContextKeys ?? []
  } else if (response.resultType === 'wildcard') {
    decision = response.overallResult
    ignored = [...new Set(response.results.flatMap((result) => result.ignoredContextKeys ?? []))]
    explain =
      response.results.length === 0
        ? `${decision}: no policy grants a resource pattern overlapping '${simulation.request.resource.resource}'`
        : `${decision} over the wildcard resource: ` +
          response.results
            .map((result) => `[${result.resourcePattern}] ${explainAnalysis(result.analysis, service)}`)
            .join(' | ')
  } else {
    throw new Error(`unknown simulator resultType ${JSON.stringify(response.resultType)}`)
  }
  if (!['Allowed', 'ExplicitlyDenied', 'ImplicitlyDenied'].includes(decision)) {
    throw new Error(`unknown simulator decision ${JSON.stringify(decision)}`)
  }
  const errors = []
  if (ignored.length > 0 && !allowIgnored) {
    errors.push(
      `context key(s) ${ignored.join(', ')} do not apply to ${simulation.request.action} on this resource type (or are misspelt); the simulator drops them, so conditions on them see an absent key`
    )
  }
  if (errors.length > 0) {
    return { decision: 'Error', errors, explain: `would be ${decision}: ${explain}`, ignoredContextKeys: ignored }
  }
  return { decision, errors, explain, ignoredContextKeys: ignored }
}

async function evaluate(request) {
  try {
    const simulation = await toSimulation(request)
    const response = await runSimulation(simulation, { simulationMode: 'Strict' })
    return normalize(response, simulation, request.allowIgnoredContextKeys === true)
  } catch (error) {
    const message = error instanceof RequestError ? error.message : `simulator failure: ${error?.stack ?? error}`
    return { decision: 'Error', errors: [message], explain: '', ignoredContextKeys: [] }
  }
}

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) {
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function main() {
  let input
  try {
    input = JSON.parse(await readStdin())
  } catch (error) {
    process.stderr.write(`iam_simulate.mjs: stdin is not JSON: ${error.message}\n`)
    return 2
  }
  if (!isObject(input) || !Array.isArray(input.requests) || Object.keys(input).length !== 1) {
    process.stderr.write('iam_simulate.mjs: expected {"requests": [ ... ]} on stdin\n')
    return 2
  }
  // One process, all requests: the IAM data the simulator loads is cached across them.
  const results = await Promise.all(input.requests.map(evaluate))
  process.stdout.write(JSON.stringify({ results }))
  return 0
}

process.exitCode = await main()
