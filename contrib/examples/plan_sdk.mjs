#!/usr/bin/env node
// plan_sdk.mjs - the partner integration plan's SDK (its MantleRWAPartnerSDK class and
// usage example, section "Integration Examples"), transcribed with Node's own fetch in
// place of axios, run against a lendgate: every call the plan's SDK makes, checked for
// the plan's response shapes. contrib/quickstart.sh --check runs it.
//
//   node plan_sdk.mjs BASE_URL API_KEY OAID USER_WALLET PARTNER_LOAN_ID
//
// Exit 0 when every call answered in the plan's shape, 1 otherwise (the first
// difference printed).

class MantleRWAPartnerSDK {
  constructor(apiKey, baseUrl = 'https://api.mantle-rwa.com') {
    this.apiKey = apiKey;
    this.baseUrl = baseUrl;
  }

  async request(method, path, { params, body, auth = true } = {}) {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(params || {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers = { 'Content-Type': 'application/json' };
    if (auth) headers.Authorization = `Bearer ${this.apiKey}`;
    const res = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const data = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${data.message}`);
    return data;
  }

  async getCreditLine(oaidTokenId) {
    return this.request('GET', `/partners/public/oaid/${oaidTokenId}/credit-line`, { auth: false });
  }

  async borrow(params) {
    return this.request('POST', '/partners/borrow', { body: params });
  }

  async repay(params) {
    return this.request('POST', '/partners/repay', { body: params });
  }

  async getLoan(partnerLoanId) {
    return this.request('GET', `/partners/loan/${partnerLoanId}`);
  }

  async getUserLoans(userWallet, status) {
    return this.request('GET', `/partners/user/${userWallet}/loans`, { params: { status } });
  }

  async getStats() {
    return this.request('GET', '/partners/my/stats');
  }
}

// The plan's interfaces, as the fields each response must carry with their types.
const shapes = {
  CreditLineResponse: { oaidTokenId: 'number', creditLimit: 'string', creditUsed: 'string',
    availableCredit: 'string', active: 'boolean', owner: 'string' },
  BorrowResponse: { success: 'boolean', internalLoanId: 'string', borrowedAmount: 'string',
    netAmountTransferred: 'string', platformFee: 'string', remainingCredit: 'string',
    txHash: 'string', message: 'string' },
  RepayResponse: { success: 'boolean', remainingDebt: 'string', loanStatus: 'string',
    txHash: 'string', message: 'string' },
  Loan: { partnerLoanId: 'string', internalLoanId: 'string', userWallet: 'string',
    oaidTokenId: 'number', principalAmount: 'string', remainingDebt: 'string',
    totalRepaid: 'string', status: 'string', borrowedAt: 'string', repaymentHistory: 'object' },
  UserLoans: { total: 'number', limit: 'number', offset: 'number', loans: 'object' },
  Stats: { partnerId: 'string', partnerName: 'string', tier: 'string', status: 'string',
    limits: 'object', usage: 'object', lifetime: 'object' },
};

function expectShape(name, obj) {
  for (const [k, t] of Object.entries(shapes[name])) {
    if (typeof obj[k] !== t) throw new Error(`${name}.${k}: ${JSON.stringify(obj[k])} is not a ${t}`);
  }
  console.log(`${name}: ${Object.keys(shapes[name]).join(', ')} as the plan says`);
}

async function main() {
  const [baseUrl, apiKey, oaid, userWallet, partnerLoanId] = process.argv.slice(2);
  if (!partnerLoanId) {
    console.error('usage: node plan_sdk.mjs BASE_URL API_KEY OAID USER_WALLET PARTNER_LOAN_ID');
    process.exit(2);
  }
  // The plan's usage example.
  const sdk = new MantleRWAPartnerSDK(apiKey, baseUrl);
  const credit = await sdk.getCreditLine(Number(oaid));
  expectShape('CreditLineResponse', credit);
  console.log(`Available: $${Number(credit.availableCredit) / 1e6}`);
  const loan = await sdk.borrow({
    oaidTokenId: Number(oaid),
    userWallet,
    borrowAmount: '5000000', // $5 USDC
    partnerLoanId,
    metadata: { partnerUserId: 'user_xyz_456', loanPurpose: 'invoice_financing' },
  });
  expectShape('BorrowResponse', loan);
  console.log(`Borrowed! TX: ${loan.txHash}`);
  const again = await sdk.borrow({ oaidTokenId: Number(oaid), userWallet, borrowAmount: '5000000',
    partnerLoanId, metadata: { loanPurpose: 'invoice_financing', partnerUserId: 'user_xyz_456' } });
  if (again.internalLoanId !== loan.internalLoanId) throw new Error('a repeated borrow made another loan');
  const details = await sdk.getLoan(partnerLoanId);
  expectShape('Loan', details);
  if (details.metadata?.loanPurpose !== 'invoice_financing') throw new Error('metadata not kept');
  const mine = await sdk.getUserLoans(userWallet, 'ACTIVE');
  expectShape('UserLoans', mine);
  if (!mine.loans.some((l) => l.partnerLoanId === partnerLoanId)) throw new Error('loan not listed');
  const stats = await sdk.getStats();
  expectShape('Stats', stats);
  console.log('the plan\'s SDK calls answered in the plan\'s shapes');
  return details;
}

main().then(() => process.exit(0), (e) => { console.error(`plan_sdk: ${e.message}`); process.exit(1); });
