# The anchor of the end-to-end benchmark (scripts/benchmark.sh): the smallest WSGI application,
# served by Debian's uWSGI 2.0, answering what the Spring application's /hello controller answers.
BODY = b"Hello, world!"
HEADERS = [("Content-Type", "text/plain;charset=UTF-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
