/**
 * What the serving workload on a host (lib/serving) and the interruption handler's drain and resume documents
 * (lib/interruption) agree on. Plain constants, no imports: any layer may use them.
 *
 * The contract: the workload runs as the systemd unit `SERVING_UNIT_NAME` and installs `SERVING_DRAIN_SCRIPT`. The
 * drain document runs that script (bounded by the drain timeout) or, when it is absent, stops the unit; the resume
 * document runs `SERVING_RESUME_SCRIPT` when present, else restarts the unit.
 */

/** systemd unit that runs the model server container; the drain stops it, the resume restarts it. */
export const SERVING_UNIT_NAME = 'inference.service';

/** Name of the model server's Docker container on the host. */
export const SERVING_CONTAINER_NAME = 'inference';

/** Drain script the workload installs; the drain document prefers it over stopping `SERVING_UNIT_NAME`. */
export const SERVING_DRAIN_SCRIPT = '/usr/local/bin/gpu-fleet-drain';

/** Resume script a workload may install; the resume document prefers it over restarting `SERVING_UNIT_NAME`. */
export const SERVING_RESUME_SCRIPT = '/usr/local/bin/gpu-fleet-resume';

/**
 * Launch lifecycle hook the host completes once its model server answers the health check locally, so a host is
 * InService only when it serves. Hook names are per group, so one fixed name serves the main and the fallback group.
 */
export const SERVING_READY_HOOK_NAME = 'gpu-fleet-serving-ready';

/** Where the model artifact is synced on the host, and where the container sees it (read-only). */
export const SERVING_MODEL_HOST_DIR = '/opt/models';
export const SERVING_MODEL_CONTAINER_DIR = '/models';
