export * from '../links/signer';
