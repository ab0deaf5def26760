/**
 * The keys the sandbox emulators accept. They are shaped like real keys so the product's
 * configuration validates them exactly as it would real ones; they open nothing outside the sandbox.
 */
export const sandboxCredentials = {
  stripeApiKey: 'sk_live_sandbox0000000000000000',
  squareAccessToken: 'EAAAsandbox0000000000000000',
  capitanApiToken: 'sandbox-capitan-token',
  mailchimpApiKey: 'sandbox0000000000000000000000000-us9',
  mailchimpAudienceId: '6113b6f2ca',
  instagramAccessToken: 'IGsandbox0000000000000000',
  instagramAccountId: '17841400000000000',
  anthropicApiKey: 'sk-ant-sandbox-0000000000000000',
} as const;
