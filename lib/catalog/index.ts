/** EC2 facts as data and pure functions (no CDK, no I/O): used by the fleet, the pricing and config validation. */
export * from './gpu-instance-types';
export * from './regions';
