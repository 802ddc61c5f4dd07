// Certificates for the local control plane: a CA, the apiserver's serving certificate, an admin
// client certificate (group system:masters) and the service-account signing key pair. Made with
// the openssl command line, because Node's crypto can make keys but not X.509 certificates.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.ts';

export interface ControlPlaneCerts {
  caCert: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function signed(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  await run('openssl', ['req', ...EC, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.csr`), '-subj', subject]);
  await run('openssl', [
    'x509', '-req', '-in', join(dir, `${name}.csr`), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'),
    '-CAcreateserial', '-days', '30', '-out', join(dir, `${name}.crt`), '-extfile', ext,
  ]);
}

export async function makeCerts(dir: string): Promise<ControlPlaneCerts> {
  await run('openssl', [
    'req', '-x509', ...EC, '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-days', '30',
    '-subj', '/CN=mooring-local-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await signed(
    dir, 'server', '/CN=kube-apiserver',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n' +
      'extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
  );
  await signed(dir, 'admin', '/O=system:masters/CN=mooring-admin', 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'sa.key')]);
  await run('openssl', ['ec', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')]);
  const at = (f: string) => join(dir, f);
  return {
    caCert: at('ca.crt'), serverCert: at('server.crt'), serverKey: at('server.key'),
    adminCert: at('admin.crt'), adminKey: at('admin.key'), saKey: at('sa.key'), saPub: at('sa.pub'),
  };
}
