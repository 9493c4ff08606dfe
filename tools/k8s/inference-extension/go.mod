module llmd.local/tools/k8s/inference-extension

go 1.26.0

// Pins the Gateway API Inference Extension whose InferencePool CRD (inference.networking.k8s.io/v1)
// the tests install: crds.sh copies it from the downloaded module into .llmd/k8s/crds.
require sigs.k8s.io/gateway-api-inference-extension v1.6.0
