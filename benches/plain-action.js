'use strict';
// A plain JavaScript Action of the same logic as Manage_Subscription (the seed's code), for
// benches/node-cold.js to compare a bundle's cold start with.
const seed = require('../actions-shim/test/seed-reference');

exports.onExecutePostLogin = async (event, api) => seed.manageSubscription(event, api);
