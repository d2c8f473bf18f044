import Foundation
@main struct SimMain { static func main() {} }
