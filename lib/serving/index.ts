export * from './serving-endpoint';
export * from './serving-workload';
export * from './errors';
export { ALLOWED_DOCKER_ARGS, ALLOWED_DOCKER_ARGS_TEXT, isAllowedDockerArg } from './docker-args';
export type { HostFile, HostScriptSpec, HostSecretSpec, RenderedHostScript } from './host-script';
export { hostScriptProblems, renderServingHost, shellQuote } from './host-script';
export * from '../shared/serving';
