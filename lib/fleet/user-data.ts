import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * CloudWatch agent config: NVIDIA GPU metrics (nvidia_smi_*) every minute, aggregated per Auto Scaling group,
 * which is the dimension the target-tracking policy reads.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-NVIDIA-GPU.html
 */
export const CLOUDWATCH_AGENT_CONFIG = {
  agent: { metrics_collection_interval: 60 },
  metrics: {
    namespace: 'CWAgent',
    append_dimensions: {
      AutoScalingGroupName: '${aws:AutoScalingGroupName}',
      InstanceId: '${aws:InstanceId}',
      InstanceType: '${aws:InstanceType}',
    },
    aggregation_dimensions: [['AutoScalingGroupName']],
    metrics_collected: {
      nvidia_gpu: {
        measurement: ['utilization_gpu', 'utilization_memory', 'memory_used', 'memory_total', 'temperature_gpu', 'power_draw'],
        metrics_collection_interval: 60,
      },
    },
  },
};

/** User data of a GPU host: the GPU metrics agent first, then the workload's own commands. */
export function gpuHostUserData(workloadCommands: readonly string[]): ec2.UserData {
  const ud = ec2.UserData.forLinux();
  const configPath = '/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json';
  ud.addCommands(
    'set -euo pipefail',
    '# GPU metrics for scaling: CloudWatch agent with the nvidia_gpu plugin',
    'dnf install -y amazon-cloudwatch-agent',
    `mkdir -p "$(dirname ${configPath})"`,
    `cat > ${configPath} <<'CWAGENT'`,
    JSON.stringify(CLOUDWATCH_AGENT_CONFIG, null, 2),
    'CWAGENT',
    `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${configPath}`,
  );
  if (workloadCommands.length > 0) {
    ud.addCommands('# Serving workload', ...workloadCommands);
  }
  return ud;
}
