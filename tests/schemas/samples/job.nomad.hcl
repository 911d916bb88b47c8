# Nomad: `wash run` under raw_exec serves the component on the port Nomad allocates.
job "http-hello" {
  type = "service"

  group "http-hello" {
    count = 1

    network {
      port "http" {}
    }

    task "http-hello" {
      driver = "raw_exec"

      config {
        command = "wash"
        args    = ["run", "registry.example.com/http-hello:0.1.0", "--addr", "0.0.0.0:${NOMAD_PORT_http}"]
      }
    }
  }
}
