"""The whole platform on one machine: PostgreSQL, app containers behind a load balancer,
Prometheus with our rules, Alertmanager, an OTLP collector and a CloudWatch emulator, with the
autoscaler's decisions applied to the replica count. `scripts/platform.sh` is the way in.

Stand-ins, named as such everywhere they act: the actuator (`replicas.py`) plays the Deployment
controller, the kubelet and the ALB target group, because no Kubernetes API server can run here;
nginx plays the ALB; a Pushgateway carries the kube-state-metrics series the actuator knows; the
moto emulator plays CloudWatch, fed with the real PostgreSQL's CPU as the RDS metric.
"""
