import { DescribeInstancesCommand, DescribeNetworkInterfacesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Ec2InstanceDirectory } from '../../lambdas/adapters/ec2-instances';
import { InstanceLookupError } from '../../lambdas/adapters/errors';

const ec2 = mockClient(EC2Client);
let now = 1_000_000;

const INSTANCE: Instance = {
  InstanceId: 'i-0abc1234def567890',
  InstanceType: 't3.micro',
  ImageId: 'ami-0123456789abcdef0',
  LaunchTime: new Date('2025-01-01T00:00:00Z'),
  State: { Name: 'running', Code: 16 },
  Placement: { AvailabilityZone: 'us-east-1a' },
  IamInstanceProfile: { Arn: 'arn:aws:iam::111122223333:instance-profile/web', Id: 'AIPAEXAMPLE' },
  Tags: [{ Key: 'Name', Value: 'bastion' }],
  ProductCodes: [{ ProductCodeId: 'abc', ProductCodeType: 'marketplace' }],
  NetworkInterfaces: [
    {
      NetworkInterfaceId: 'eni-0a1b2c3d4e5f60718',
      PrivateIpAddress: '10.0.1.15',
      PrivateDnsName: 'ip-10-0-1-15.ec2.internal',
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.15', PrivateDnsName: 'ip-10-0-1-15.ec2.internal' }],
      Ipv6Addresses: [{ Ipv6Address: '2001:db8::15' }],
      Association: { PublicIp: '203.0.113.10', PublicDnsName: 'ec2-203-0-113-10.compute-1.amazonaws.com' },
      Groups: [{ GroupId: 'sg-1', GroupName: 'ssh' }],
      SubnetId: 'subnet-1',
      VpcId: 'vpc-1',
    },
  ],
};

beforeEach(() => {
  ec2.reset();
  now = 1_000_000;
});

describe('Ec2InstanceDirectory', () => {
  it('describes an instance in the shape of GuardDuty resource.instanceDetails', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [INSTANCE] }] });
    const directory = new Ec2InstanceDirectory({ client: new EC2Client({}), clock: () => now });
    const details = (await directory.byInstance(['i-0abc1234def567890'])).get('i-0abc1234def567890');
    expect(details).toEqual({
      instanceId: 'i-0abc1234def567890',
      instanceType: 't3.micro',
      instanceState: 'running',
      imageId: 'ami-0123456789abcdef0',
      availabilityZone: 'us-east-1a',
      launchTime: '2025-01-01T00:00:00.000Z',
      iamInstanceProfile: { arn: 'arn:aws:iam::111122223333:instance-profile/web', id: 'AIPAEXAMPLE' },
      productCodes: [{ code: 'abc', productType: 'marketplace' }],
      tags: [{ key: 'Name', value: 'bastion' }],
      networkInterfaces: [
        {
          networkInterfaceId: 'eni-0a1b2c3d4e5f60718',
          privateDnsName: 'ip-10-0-1-15.ec2.internal',
          privateIpAddress: '10.0.1.15',
          privateIpAddresses: [{ privateDnsName: 'ip-10-0-1-15.ec2.internal', privateIpAddress: '10.0.1.15' }],
          ipv6Addresses: ['2001:db8::15'],
          publicIp: '203.0.113.10',
          publicDnsName: 'ec2-203-0-113-10.compute-1.amazonaws.com',
          securityGroups: [{ groupId: 'sg-1', groupName: 'ssh' }],
          subnetId: 'subnet-1',
          vpcId: 'vpc-1',
        },
      ],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { Filters: [{ Name: 'instance-id', Values: ['i-0abc1234def567890'] }] });
  });

  it('finds the instance behind a network interface and answers repeats from its cache until the TTL passes', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0a1b2c3d4e5f60718', Attachment: { InstanceId: 'i-0abc1234def567890' } }] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [INSTANCE] }] });
    const directory = new Ec2InstanceDirectory({ client: new EC2Client({}), ttlMs: 60_000, clock: () => now });
    for (let i = 0; i < 3; i++) {
      const details = await directory.byNetworkInterface(['eni-0a1b2c3d4e5f60718', 'eni-0a1b2c3d4e5f60718']);
      expect(details.get('eni-0a1b2c3d4e5f60718')?.instanceId).toBe('i-0abc1234def567890');
    }
    expect(ec2).toHaveReceivedCommandTimes(DescribeNetworkInterfacesCommand, 1);
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
    now += 60_001;
    await directory.byNetworkInterface(['eni-0a1b2c3d4e5f60718']);
    expect(ec2).toHaveReceivedCommandTimes(DescribeNetworkInterfacesCommand, 2);
  });

  it('remembers that an interface has no instance, and that an instance is unknown', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-nat', Attachment: {} }] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const directory = new Ec2InstanceDirectory({ client: new EC2Client({}), clock: () => now });
    expect((await directory.byNetworkInterface(['eni-nat'])).get('eni-nat')).toBeNull();
    expect((await directory.byInstance(['i-gone'])).get('i-gone')).toBeNull();
    await directory.byNetworkInterface(['eni-nat']);
    await directory.byInstance(['i-gone']);
    expect(ec2).toHaveReceivedCommandTimes(DescribeNetworkInterfacesCommand, 1);
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
  });

  it('wraps EC2 failures in InstanceLookupError with the SDK error as cause', async () => {
    const denied = Object.assign(new Error('UnauthorizedOperation'), { name: 'UnauthorizedOperation' });
    ec2.on(DescribeInstancesCommand).rejects(denied);
    const error = await new Ec2InstanceDirectory({ client: new EC2Client({}) }).byInstance(['i-1']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceLookupError);
    expect((error as Error).cause).toBe(denied);
  });
});
