import { ALB_HOUR_USAGE, ALB_LCU_USAGE, UNIT_QUERIES, VPC_ENDPOINT_HOUR_USAGE } from '../../../lib/pricing/lookup/price-list';

/** The usage types the Price List holds in the families the endpoint's prices come from (all of them, fed at once). */
const ALB_FAMILY = [
  'LoadBalancerUsage', 'USW2-LoadBalancerUsage', 'EU-LoadBalancerUsage', 'TS-LoadBalancerUsage', 'USW2-TS-LoadBalancerUsage',
  'Outposts-LoadBalancerUsage', 'LCUUsage', 'USW2-LCUUsage', 'ReservedLCUUsage', 'USW2-ReservedLCUUsage', 'TS-LCUUsage',
  'IdleProvisionedLBCapacity',
];
const VPC_FAMILY = ['USE1-VpcEndpoint-Hours', 'VpcEndpoint-Hours', 'USE1-VpcEndpoint-Bytes', 'USE1-VpcEndpoint-GWLBE-Hours', 'USE1-VpcEndpoint-Service-Hours'];

describe('unit queries of the endpoint prices: exact usage types', () => {
  test.each([
    ['ALB hours', ALB_HOUR_USAGE, ALB_FAMILY, ['LoadBalancerUsage', 'USW2-LoadBalancerUsage', 'EU-LoadBalancerUsage']],
    ['ALB LCUs', ALB_LCU_USAGE, ALB_FAMILY, ['LCUUsage', 'USW2-LCUUsage']],
    ['interface endpoint hours', VPC_ENDPOINT_HOUR_USAGE, VPC_FAMILY, ['USE1-VpcEndpoint-Hours', 'VpcEndpoint-Hours']],
  ])('%s: only the plain usage type, with or without a region prefix', (_name, pattern, family, plain) => {
    expect(family.filter((u) => pattern.test(u))).toEqual(plain);
  });

  test('each query asks its family by exact product family and region, and accepts by the exact usage type', () => {
    const q = (r: string) => UNIT_QUERIES.find((x) => x.resource === r)!;
    expect(q('alb-hour')).toEqual(expect.objectContaining({ serviceCode: 'AWSELB', unit: 'Hrs' }));
    expect(q('alb-hour').filters('us-west-2')).toEqual([
      { field: 'regionCode', value: 'us-west-2' },
      { field: 'productFamily', value: 'Load Balancer-Application' },
    ]);
    expect(q('alb-lcu-hour').filters('us-west-2')).toEqual(q('alb-hour').filters('us-west-2'));
    expect(q('vpc-interface-endpoint-hour').serviceCode).toBe('AmazonVPC');
    expect(q('vpc-interface-endpoint-hour').filters('us-east-1')).toEqual([
      { field: 'regionCode', value: 'us-east-1' },
      { field: 'productFamily', value: 'VpcEndpoint' },
    ]);
    const accepted = (r: string, family: string[]) => family.filter((usagetype) => q(r).accept({ usagetype }));
    expect(accepted('alb-hour', ALB_FAMILY)).toEqual(['LoadBalancerUsage', 'USW2-LoadBalancerUsage', 'EU-LoadBalancerUsage']);
    expect(accepted('alb-lcu-hour', ALB_FAMILY)).toEqual(['LCUUsage', 'USW2-LCUUsage']);
    expect(accepted('vpc-interface-endpoint-hour', VPC_FAMILY)).toEqual(['USE1-VpcEndpoint-Hours', 'VpcEndpoint-Hours']);
  });
});

describe('unit query of the Arm Lambda duration price', () => {
  const q = (r: string) => UNIT_QUERIES.find((x) => x.resource === r)!;

  test('asks the Arm duration group and accepts only its GB-second usage type, apart from the x86 query', () => {
    expect(q('lambda-gb-second-arm')).toEqual(expect.objectContaining({ serviceCode: 'AWSLambda', unit: 'Lambda-GB-Second' }));
    expect(q('lambda-gb-second-arm').filters('us-east-1')).toEqual([
      { field: 'regionCode', value: 'us-east-1' },
      { field: 'group', value: 'AWS-Lambda-Duration-ARM' },
    ]);
    const family = ['USE1-Lambda-GB-Second-ARM', 'Lambda-GB-Second-ARM', 'USE1-Lambda-GB-Second', 'USE1-Lambda-Provisioned-GB-Second-ARM'];
    expect(family.filter((usagetype) => q('lambda-gb-second-arm').accept({ usagetype }))).toEqual(['USE1-Lambda-GB-Second-ARM', 'Lambda-GB-Second-ARM']);
    expect(family.filter((usagetype) => q('lambda-gb-second').accept({ usagetype }))).toEqual(['USE1-Lambda-GB-Second']);
  });
});
