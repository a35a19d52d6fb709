// gen-tx-vectors.mjs - signs reference transactions and messages with ethers v6, an
// implementation independent of lendgate, and writes tx_type2_vectors.json beside this file.
//
//   npm install --prefix /tmp/refjs ethers@6
//   node tests/data/gen-tx-vectors.mjs /tmp/refjs
//
// The argument is the npm prefix ethers was installed into (kept outside the source tree).
// Signatures are RFC 6979 deterministic, so the output is the same on every run.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const prefix = process.argv[2];
if (!prefix) {
    console.error('usage: node gen-tx-vectors.mjs NPM_PREFIX_WITH_ETHERS');
    process.exit(2);
}
const require = createRequire(join(prefix, 'package.json'));
const ethers = require('ethers');
const { Transaction, SigningKey, Wallet, Interface, computeAddress, hashMessage } = ethers;

// Well-known test keys: the first two Hardhat/Anvil dev accounts and the EIP-155 example key.
const KEYS = {
    hardhat0: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
    hardhat1: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
    eip155: '0x4646464646464646464646464646464646464646464646464646464646464646',
};

const iface = new Interface([
    'function borrowUSDC(uint256 positionId, uint256 amount)',
    'function transfer(address to, uint256 amount)',
    'function approve(address spender, uint256 amount)',
    'function repayLoan(uint256 positionId, uint256 amount)',
]);

const type2 = [
    {
        name: 'hardhat borrowUSDC call, nonce 0, value 0',
        key: 'hardhat0',
        tx: {
            chainId: 31337n, nonce: 0, maxPriorityFeePerGas: 1000000000n,
            maxFeePerGas: 2000000000n, gasLimit: 250000n,
            to: '0x5FbDB2315678afecb367f032d93F642f64180aa3', value: 0n,
            data: iface.encodeFunctionData('borrowUSDC', [7n, 1500000000n]),
        },
    },
    {
        name: 'mainnet plain transfer, large nonce, value above 2^64, empty data',
        key: 'eip155',
        tx: {
            chainId: 1n, nonce: 9007199254740991, maxPriorityFeePerGas: 2500000000n,
            maxFeePerGas: 150000000000n, gasLimit: 21000n,
            to: '0x3535353535353535353535353535353535353535',
            value: 123456789000000000000000000n, data: '0x',
        },
    },
    {
        name: 'mantle USDC transfer call',
        key: 'hardhat1',
        tx: {
            chainId: 5000n, nonce: 42, maxPriorityFeePerGas: 0n, maxFeePerGas: 20000000n,
            gasLimit: 90000n, to: '0x09Bc4E0D864854c6aFB6eB9A9cdF58aC190D0dF9', value: 0n,
            data: iface.encodeFunctionData('transfer', [
                '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', 998500000n]),
        },
    },
    {
        name: 'hardhat approve call, value 2^256-1, 30M gas',
        key: 'hardhat0',
        tx: {
            chainId: 31337n, nonce: 1, maxPriorityFeePerGas: 1n, maxFeePerGas: 100000000000n,
            gasLimit: 30000000n, to: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
            value: (1n << 256n) - 1n,
            data: iface.encodeFunctionData('approve', [
                '0x5FbDB2315678afecb367f032d93F642f64180aa3', (1n << 256n) - 1n]),
        },
    },
    {
        name: 'chain id above 2^32, repayLoan call',
        key: 'hardhat1',
        tx: {
            chainId: 4294967397n, nonce: 255, maxPriorityFeePerGas: 128n, maxFeePerGas: 256n,
            gasLimit: 127n, to: '0x0000000000000000000000000000000000000001', value: 128n,
            data: iface.encodeFunctionData('repayLoan', [1n, 1n]),
        },
    },
];

const legacy = [
    {
        name: 'EIP-155 legacy on hardhat',
        key: 'hardhat0',
        tx: {
            type: 0, chainId: 31337n, nonce: 3, gasPrice: 875000000n, gasLimit: 21000n,
            to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', value: 1000000000000000000n,
            data: '0x',
        },
    },
];

const messages = [
    { key: 'hardhat0', message: 'lendgate admin login\nnonce: 3f6c1e0a9b2d4c58' },
    { key: 'hardhat1', message: 'héllo wörld ✓' },
    { key: 'eip155', message: '' },
];

// ABI encodings the C tests rebuild argument by argument (the arguments are spelled
// out in tests/unit/test_abi.c under the same names).
const abiCoder = ethers.AbiCoder.defaultAbiCoder();
const errorIface = new Interface(['error Error(string)', 'error Panic(uint256)']);
const abi = {
    mixedReturn: abiCoder.encode(
        ['uint256', 'address', 'bool', 'bytes32', 'string', 'bytes', 'uint256'],
        [1234567890123456789012345678901234567890n, '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
            true, '0x' + '11'.repeat(32), 'lendgate ✓', '0x' + 'ab'.repeat(33), 0n]),
    transferCall: iface.encodeFunctionData('transfer', [
        '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', 1000000n]),
    errorRevert: errorIface.encodeErrorResult('Error', ['Insufficient credit line']),
    emptyErrorRevert: errorIface.encodeErrorResult('Error', ['']),
    panicRevert: errorIface.encodeErrorResult('Panic', [0x11n]),
};

function dec(v) {
    return BigInt(v).toString(10);
}

function signTx(entry) {
    const key = new SigningKey(KEYS[entry.key]);
    const fields = entry.tx.type === 0 ? entry.tx : { type: 2, accessList: [], ...entry.tx };
    const tx = Transaction.from(fields);
    const unsignedHash = tx.unsignedHash;
    tx.signature = key.sign(unsignedHash);
    const out = {
        name: entry.name,
        privateKey: KEYS[entry.key],
        from: computeAddress(key.publicKey),
        type: tx.type,
        chainId: dec(tx.chainId),
        nonce: dec(tx.nonce),
        gasLimit: dec(tx.gasLimit),
        to: tx.to,
        value: dec(tx.value),
        data: tx.data,
    };
    if (tx.type === 2) {
        out.maxPriorityFeePerGas = dec(tx.maxPriorityFeePerGas);
        out.maxFeePerGas = dec(tx.maxFeePerGas);
    } else {
        out.gasPrice = dec(tx.gasPrice);
    }
    Object.assign(out, {
        signingHash: unsignedHash,
        r: tx.signature.r,
        s: tx.signature.s,
        yParity: tx.signature.yParity,
        signed: tx.serialized,
        hash: tx.hash,
    });
    return out;
}

function signMessage(entry) {
    const wallet = new Wallet(KEYS[entry.key]);
    const signature = wallet.signMessageSync(entry.message);
    return {
        privateKey: KEYS[entry.key],
        address: wallet.address,
        message: entry.message,
        hash: hashMessage(entry.message),
        signature,
    };
}

const doc = {
    source: 'tests/data/gen-tx-vectors.mjs with ethers ' + ethers.version,
    type2: type2.map(signTx),
    legacy: legacy.map(signTx),
    personalSign: messages.map(signMessage),
    abi,
};
const here = dirname(fileURLToPath(import.meta.url));
writeFileSync(join(here, 'tx_type2_vectors.json'), JSON.stringify(doc, null, 2) + '\n');
