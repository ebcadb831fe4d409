export { InterruptionConfigError, InterruptionHandler, METRIC_NAMESPACE } from './interruption-handler';
export type { InterruptionHandlerProps } from './interruption-handler';
export { drainDocumentContent } from './drain-document';
