# contrib: files shipped in the tarball but not built by make.

# The devnet (contrib/devnet/README.md): node_modules, artifacts and state are made at
# run time and never shipped.
EXTRA_DIST += \
	contrib/devnet/README.md \
	contrib/devnet/package.json \
	contrib/devnet/package-lock.json \
	contrib/devnet/hardhat.config.js \
	contrib/devnet/up.sh \
	contrib/devnet/down.sh \
	contrib/devnet/contracts/IERC20.sol \
	contrib/devnet/contracts/OAID.sol \
	contrib/devnet/contracts/Owned.sol \
	contrib/devnet/contracts/SeniorPool.sol \
	contrib/devnet/contracts/SolvencyVault.sol \
	contrib/devnet/contracts/TestUSDC.sol \
	contrib/devnet/scripts/compile.js \
	contrib/devnet/scripts/deploy.js \
	contrib/devnet/scripts/lib.js \
	contrib/devnet/scripts/netutil.js \
	contrib/devnet/scripts/pay.js \
	contrib/devnet/scripts/selectors.js \
	contrib/devnet/scripts/selftest.js \
	contrib/devnet/scripts/selftest.sh \
	docs/contracts.md docs/api.md

# The API contract and its pinned tools (node_modules is made by npm ci, never shipped).
EXTRA_DIST += docs/openapi.yaml contrib/openapi/README.md contrib/openapi/package.json \
	contrib/openapi/package-lock.json contrib/openapi/redocly.yaml contrib/openapi/lint.sh \
	contrib/openapi/validate.mjs contrib/openapi/examples_from_run.mjs contrib/openapi/spec.mjs \
	contrib/openapi/build-docs.mjs contrib/openapi/docs-template.hbs

# The README's two commands and what they share.
EXTRA_DIST += contrib/test.sh contrib/quickstart.sh contrib/deps.sh contrib/mongo-check.sh .ci/run \
	contrib/examples/plan_sdk.mjs

# The webhook guide (the systemd units are in contrib/systemd/local.mk).
EXTRA_DIST += docs/webhooks.md

# The partner SDK (contrib/sdk/typescript/README.md): node_modules and dist are made by
# npm ci and its build, never shipped.
EXTRA_DIST += \
	contrib/sdk/typescript/README.md \
	contrib/sdk/typescript/package.json \
	contrib/sdk/typescript/package-lock.json \
	contrib/sdk/typescript/tsconfig.json \
	contrib/sdk/typescript/tsconfig.cjs.json \
	contrib/sdk/typescript/scripts/build.mjs \
	contrib/sdk/typescript/scripts/gen-types.mjs \
	contrib/sdk/typescript/src/client.ts \
	contrib/sdk/typescript/src/errors.ts \
	contrib/sdk/typescript/src/index.ts \
	contrib/sdk/typescript/src/retry.ts \
	contrib/sdk/typescript/src/signing.ts \
	contrib/sdk/typescript/src/version.ts \
	contrib/sdk/typescript/src/webhooks.ts \
	contrib/sdk/typescript/src/generated/api.ts \
	contrib/sdk/typescript/test/unit/client.test.mjs \
	contrib/sdk/typescript/test/unit/crypto.test.mjs \
	contrib/sdk/typescript/test/integration/stack.test.mjs

# The load scripts (contrib/load/README.md).
EXTRA_DIST += contrib/load/README.md contrib/load/run.sh contrib/load/mix.lua
