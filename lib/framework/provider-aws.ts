/**
 * The one module of lib/ that imports the AWS provider bindings, by deep import (`@cdktf/provider-aws`;
 * `@cdktn/provider-aws` in the CDK Terrain build). A binding renamed between the two lines is mapped here.
 */
export { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
export { Lb } from '@cdktf/provider-aws/lib/lb';
export { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
export { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
export { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
export { LbTargetGroupAttachment } from '@cdktf/provider-aws/lib/lb-target-group-attachment';
export { AwsProvider } from '@cdktf/provider-aws/lib/provider';
export { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check';
export { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
export { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
export { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
export { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
