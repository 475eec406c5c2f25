#pragma once
// A small HTTP/1.1 server for the fetch tests, on 127.0.0.1 at a port the OS picks (no network, nothing to clash
// with), run by Boost.Asio on a thread of its own. Each path has a handler that answers from the request and how
// many times the path was asked for; every request is kept, so a test can check what the client sent (a retry, a
// conditional request). One request per connection (Connection: close). A response may stall: the connection is
// held open and never answered (or answered part way), until the server ends.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>

namespace pipeline::test {

class HttpTestServer {
 public:
  struct Request {
    std::string method;
    std::string path;
    std::map<std::string, std::string> headers;  // names in lower case
    [[nodiscard]] std::string header(const std::string& name) const {
      const auto found = headers.find(name);
      return found == headers.end() ? std::string() : found->second;
    }
  };
  struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool content_length = true;  // false: the body ends where the connection does
    bool stall = false;          // never answer
    // Send the head and this many bytes of the body, then hold the connection open without another byte.
    std::size_t stall_after = std::string::npos;

    static Response with_status(int status, std::string body = {}) {
      Response response;
      response.status = status;
      response.body = std::move(body);
      return response;
    }
  };
  // `nth`: 1 for the path's first request, 2 for its second, ... Called on the server's thread: what a handler
  // reads must outlive the server (declare the server after it).
  using Handler = std::function<Response(const Request& request, int nth)>;

  HttpTestServer() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpTestServer() {
    io_.stop();
    thread_.join();
  }
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  void route(const std::string& path, Handler handler) {
    const std::lock_guard lock(mutex_);
    routes_[path] = std::move(handler);
  }
  [[nodiscard]] std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + std::string(path);
  }
  [[nodiscard]] std::vector<Request> requests(const std::string& path) const {
    const std::lock_guard lock(mutex_);
    const auto found = seen_.find(path);
    return found == seen_.end() ? std::vector<Request>() : found->second;
  }
  // Waits (10 s at most) until `path` has been asked for `count` times: a client that gave up on a request may
  // be done before the server has read it. False if it was not.
  [[nodiscard]] bool wait_for_requests(const std::string& path, std::size_t count) const {
    for (int i = 0; i < 1000 && requests(path).size() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return requests(path).size() >= count;
  }

 private:
  struct Connection {
    explicit Connection(boost::asio::io_context& io) : socket(io) {}
    boost::asio::ip::tcp::socket socket;
    boost::asio::streambuf incoming;
    std::string outgoing;
  };

  void accept() {
    auto connection = std::make_shared<Connection>(io_);
    acceptor_.async_accept(connection->socket, [this, connection](const boost::system::error_code& error) {
      if (error) return;
      read(connection);
      accept();
    });
  }

  void read(const std::shared_ptr<Connection>& connection) {
    boost::asio::async_read_until(connection->socket, connection->incoming, "\r\n\r\n",
                                  [this, connection](const boost::system::error_code& error, std::size_t) {
                                    if (!error) answer(connection);
                                  });
  }

  static Request parse(std::string_view text) {
    Request request;
    auto line_end = text.find("\r\n");
    const std::string_view first = text.substr(0, line_end);
    const auto space = first.find(' ');
    const auto second_space = first.find(' ', space + 1);
    request.method = std::string(first.substr(0, space));
    const std::string_view target = first.substr(space + 1, second_space - space - 1);
    request.path = std::string(target.substr(0, target.find('?')));
    while (line_end != std::string_view::npos && line_end + 2 < text.size()) {
      const auto start = line_end + 2;
      line_end = text.find("\r\n", start);
      const std::string_view line = text.substr(start, line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name(line.substr(0, colon));
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      request.headers[name] = std::string(value);
    }
    return request;
  }

  void answer(const std::shared_ptr<Connection>& connection) {
    const auto data = connection->incoming.data();
    const Request request = parse(std::string(boost::asio::buffers_begin(data), boost::asio::buffers_end(data)));
    Handler handler;
    int nth = 0;
    {
      const std::lock_guard lock(mutex_);
      auto& seen = seen_[request.path];
      seen.push_back(request);
      nth = static_cast<int>(seen.size());
      if (const auto found = routes_.find(request.path); found != routes_.end()) handler = found->second;
    }
    Response response = handler ? handler(request, nth) : Response::with_status(404, "no such route");
    if (response.stall) {
      stalled_.push_back(connection);  // kept open, never answered; only this thread touches the list
      return;
    }
    std::string text = "HTTP/1.1 " + std::to_string(response.status) + " Test\r\nConnection: close\r\n";
    for (const auto& [name, value] : response.headers) text += name + ": " + value + "\r\n";
    if (response.content_length) text += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    const bool stall_part_way = response.stall_after < response.body.size();
    connection->outgoing = text + "\r\n" + (request.method == "HEAD" ? std::string() : response.body);
    if (stall_part_way) connection->outgoing.resize(text.size() + 2 + response.stall_after);
    boost::asio::async_write(connection->socket, boost::asio::buffer(connection->outgoing),
                             [this, connection, stall_part_way](const boost::system::error_code&, std::size_t) {
                               if (stall_part_way) {
                                 stalled_.push_back(connection);
                                 return;
                               }
                               boost::system::error_code ignored;
                               connection->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
                               connection->socket.close(ignored);
                             });
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::map<std::string, Handler> routes_;
  std::map<std::string, std::vector<Request>> seen_;
  std::vector<std::shared_ptr<Connection>> stalled_;
};

}  // namespace pipeline::test
