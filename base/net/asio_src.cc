// The one translation unit that compiles Asio, Asio SSL and Beast (BOOST_*_SEPARATE_COMPILATION).
// Every other file includes only the declarations, which keeps Asio out of most compile times.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
