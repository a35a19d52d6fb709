/* plan_examples.h - the partner integration plan's own examples, for the tests that
 * hold lendgate to them. */
#ifndef LENDGATE_TEST_PLAN_EXAMPLES_H
#define LENDGATE_TEST_PLAN_EXAMPLES_H

/* The partner integration plan's partner_platforms.json ("Partner Config File"),
 * verbatim but for its two settlement addresses: the plan's are placeholders
 * ("0xPartnerSettlementWallet...", 41 and 40 characters), so they are parameters. */
#define PLAN_PLATFORMS(settle_xyz, settle_abc)                                                     \
    "{\n"                                                                                          \
    "  \"partners\": [\n"                                                                          \
    "    {\n"                                                                                      \
    "      \"partnerId\": \"partner_xyz_lending_001\",\n"                                          \
    "      \"partnerName\": \"XYZ Lending\",\n"                                                    \
    "      \"apiKeyPrefix\": \"pk_xyz_live_\",\n"                                                  \
    "      \"publicKey\": \"0x1234567890123456789012345678901234567890\",\n"                       \
    "      \"status\": \"ACTIVE\",\n"                                                              \
    "      \"tier\": \"PREMIUM\",\n"                                                               \
    "      \"dailyBorrowLimit\": \"100000000000\",\n"                                              \
    "      \"totalBorrowLimit\": \"500000000000\",\n"                                              \
    "      \"platformFeePercentage\": 50,\n"                                                       \
    "      \"settlementAddress\": \"" settle_xyz "\",\n"                                           \
    "      \"webhookUrl\": \"https://xyz-lending.com/api/webhooks/mantle-rwa\",\n"                 \
    "      \"contactEmail\": \"api@xyz-lending.com\",\n"                                           \
    "      \"kycVerified\": true,\n"                                                               \
    "      \"contractSigned\": true\n"                                                             \
    "    },\n"                                                                                     \
    "    {\n"                                                                                      \
    "      \"partnerId\": \"partner_abc_finance_002\",\n"                                          \
    "      \"partnerName\": \"ABC Finance\",\n"                                                    \
    "      \"apiKeyPrefix\": \"pk_abc_live_\",\n"                                                  \
    "      \"status\": \"ACTIVE\",\n"                                                              \
    "      \"tier\": \"BASIC\",\n"                                                                 \
    "      \"dailyBorrowLimit\": \"50000000000\",\n"                                               \
    "      \"totalBorrowLimit\": \"200000000000\",\n"                                              \
    "      \"platformFeePercentage\": 75,\n"                                                       \
    "      \"settlementAddress\": \"" settle_abc "\",\n"                                           \
    "      \"contactEmail\": \"dev@abc-finance.com\",\n"                                           \
    "      \"kycVerified\": true,\n"                                                               \
    "      \"contractSigned\": true\n"                                                             \
    "    }\n"                                                                                      \
    "  ]\n"                                                                                        \
    "}\n"
#define PLAN_SETTLE_XYZ "0x4B20993Bc481177ec7E8f571ceCaE8A9e22C02db"
#define PLAN_SETTLE_ABC "0x1aa7451DD11b8cb16AC089ED7fE05eFa00100A6A"

#endif
