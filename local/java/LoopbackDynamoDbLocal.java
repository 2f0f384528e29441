import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local (same command-line options as its jar) listening on 127.0.0.1 only, and
 * answering only the registry's own access key.
 *
 * DynamoDB Local has no bind-address option: its Jetty server is built with `new Server(port)`,
 * which listens on every interface. Its connector is told the loopback host before it starts.
 *
 * DynamoDB Local accepts any credentials. A gate in front of its handler refuses every request
 * not signed with the access key id in the environment variable REGISTRY_DYNAMODB_ACCESS_KEY_ID
 * (an environment variable, not an argument: other users of the machine can read a process's
 * arguments, not its environment), as DynamoDB refuses an unknown key: 400
 * UnrecognizedClientException. The key id is derived from the registry's secret and never
 * printed; the signature itself is not verified (that needs the body, which Jetty streams).
 *
 * Run by local/dynamodb.ts, compiled once with javac.
 */
public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String keyId = System.getenv("REGISTRY_DYNAMODB_ACCESS_KEY_ID");
    if (keyId == null || keyId.isEmpty()) {
      throw new IllegalStateException("REGISTRY_DYNAMODB_ACCESS_KEY_ID is not set: local/dynamodb.ts sets it");
    }
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    int bound = 0;
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector) {
        ((ServerConnector) connector).setHost("127.0.0.1");
        bound++;
      }
    }
    if (bound == 0) throw new IllegalStateException("DynamoDB Local has no ServerConnector to bind to 127.0.0.1");
    Handler handler = server.getHandler();
    if (handler == null) throw new IllegalStateException("DynamoDB Local has no handler to put the key gate in front of");
    server.setHandler(new KeyGate(handler, keyId));
    proxy.start();
    System.out.println("DynamoDB Local listening on 127.0.0.1 only, for the registry's key only");
    proxy.join();
  }

  /** Refuses a request whose SigV4 credential scope names another access key id. */
  static final class KeyGate extends Handler.Wrapper {
    private final String credential;

    KeyGate(Handler handler, String keyId) {
      super(handler);
      this.credential = "Credential=" + keyId + "/";
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String authorization = request.getHeaders().get("Authorization");
      if (authorization != null && authorization.startsWith("AWS4-HMAC-SHA256 ") && authorization.contains(credential)) {
        return super.handle(request, response, callback);
      }
      byte[] body = ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#UnrecognizedClientException\","
          + "\"message\":\"The security token included in the request is invalid. Local mode's DynamoDB "
          + "answers only the registry's own key (docs/local-mode.md, What local mode enforces).\"}")
          .getBytes(StandardCharsets.UTF_8);
      response.setStatus(400);
      response.getHeaders().put("Content-Type", "application/x-amz-json-1.0");
      response.write(true, ByteBuffer.wrap(body), callback);
      return true;
    }
  }
}
