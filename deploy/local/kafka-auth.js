'use strict';
// kafkajs connection settings from the environment for the stack scripts (check.js, smoke.js):
// KAFKA_SECURITY_PROTOCOL (PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL), KAFKA_SASL_MECHANISM
// (default SCRAM-SHA-512), KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SSL_CA_FILE (PEM).
// The engine's own code reads the same variables through libs/streams `kafkaConnection`.
const { readFileSync } = require('node:fs');

function kafkaSecurity(env = process.env) {
  const protocol = (env.KAFKA_SECURITY_PROTOCOL || 'PLAINTEXT').toUpperCase();
  const out = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    out.ssl = env.KAFKA_SSL_CA_FILE ? { ca: [readFileSync(env.KAFKA_SSL_CA_FILE, 'utf8')] } : true;
  }
  if (protocol.startsWith('SASL_')) {
    out.sasl = {
      mechanism: (env.KAFKA_SASL_MECHANISM || 'SCRAM-SHA-512').toLowerCase(),
      username: env.KAFKA_SASL_USERNAME || '',
      password: env.KAFKA_SASL_PASSWORD || '',
    };
  }
  return out;
}

module.exports = { kafkaSecurity };
