! Numerical helpers for simple statistics.
module stats
  implicit none
  private
  public :: mean, variance

contains

  pure function mean(x) result(m)
    real(8), intent(in) :: x(:)
    real(8) :: m
    m = sum(x) / size(x)
  end function mean

  pure function variance(x) result(v)
    real(8), intent(in) :: x(:)
    real(8) :: v
    v = sum((x - mean(x))**2) / (size(x) - 1)
  end function variance

end module stats

program main
  use stats
  implicit none
  real(8) :: data(5) = [1.0d0, 2.0d0, 3.0d0, 4.0d0, 5.0d0]
  integer :: i

  do i = 1, size(data)
    if (data(i) > 3.0d0) print *, 'large value', data(i)
  end do
  print '(A, F8.3)', 'mean = ', mean(data)
  print '(A, F8.3)', 'var  = ', variance(data)
end program main
