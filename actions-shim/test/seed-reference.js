'use strict';
// The seed's two post-login Actions (shared/seeds/002), ported as they behave, bugs included.
// TEST ONLY: an oracle to compare the bundle with. Never bundle or deploy this file.
//
// Kept from the seed on purpose: a malformed `subscription` throws (a TypeError, or the
// RangeError of `new Date('garbage').toISOString()`), which fails the login; a missing status
// prints the literal text `undefined`; the trial end is `setDate(getDate() + 1)` in local
// time (run Node with TZ=UTC, as Auth0 does); a stored date that does not exist (2023-02-29)
// is rolled over by V8; `event.stats.logins_count` throws when `stats` is absent.
//
// The only changes, none of which alters behaviour:
// - `options.now` (a Date or milliseconds) pins the clock `new Date()` would read;
// - the role id comes from `event.secrets.ROLE_ID` (the seed hard-codes a placeholder) and is
//   sent as one array entry, as the seed's `["ROLE_ID"]`;
// - the ManagementClient class is passed in (the seed does `require('auth0')`).

async function manageSubscription(event, api, options = {}) {
  // #1 get user subscription from organization.metadata or user.app_metadata
  let { plan_name, end_date, status } = event.organization
    ? getSubscriptionPlan(event.organization.metadata)
    : getSubscriptionPlan(event.user.app_metadata);
  let subscription = plan_name + ';' + end_date + ';' + status;
  // #2 if no subscription is found, we have a new user: a trial plan with an expiration date
  if (plan_name == null || end_date == null) {
    end_date = calculateTrialExpirationDate(clock(options));
    subscription = 'trial' + ';' + end_date + ';' + 'active';
    api.user.setAppMetadata('subscription', subscription);
  }
  // #3 set custom claim with plan name and expiration date
  api.idToken.setCustomClaim('subscription', subscription);
}

function getSubscriptionPlan(metadata) {
  let plan_name;
  let end_date;
  let status;
  if (metadata.subscription != null) {
    const sub = metadata.subscription.split(';');
    plan_name = sub[0];
    end_date = new Date(sub[1]).toISOString();
    status = sub[2];
  }
  return { plan_name, end_date, status };
}

// The seed's `const trialDays = 1` is kept as the default; the parameter lets a test compute
// what the same arithmetic gives for another length.
function calculateTrialExpirationDate(startDate, trialDays = 1) {
  const endDate = new Date(startDate);
  endDate.setDate(startDate.getDate() + trialDays);
  return endDate.toISOString();
}

function clock(options) {
  return options.now === undefined ? new Date() : new Date(options.now);
}

async function setDefaultMemberRole(event, api, { ManagementClient }) {
  // user sign-in under the context of the organization
  if (!event.organization) {
    return;
  }
  // first login only
  if (event.stats.logins_count !== 1) {
    return;
  }
  const management = new ManagementClient({
    domain: event.secrets.domain,
    clientId: event.secrets.clientId,
    clientSecret: event.secrets.clientSecret,
  });
  const params = { id: event.organization.id, user_id: event.user.user_id };
  const data = { roles: [event.secrets.ROLE_ID] };
  try {
    // scope: create:organization_member_roles
    await management.organizations.addMemberRoles(params, data);
  } catch (e) {
    // Handle error (the seed swallows it)
  }
}

module.exports = { manageSubscription, setDefaultMemberRole, calculateTrialExpirationDate };
